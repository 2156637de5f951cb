-- Break a clean file with a line holding CJK and emoji, `:silent write` it, and report the
-- diagnostics (with data.audit_id) for comparison with `reml-run lint --format json`.
-- Args: mode=pull|push, line=<the new line 5>.
package.path = vim.fs.dirname(_G.arg[0]) .. '/?.lua;' .. package.path
local H = require('harness')

H.run(function()
  if H.args.mode == 'push' then
    H.enable({ capabilities = H.push_capabilities(), on_init = H.no_pull_on_init })
  else
    H.enable()
    H.pull_on_save()
  end
  local buf, client = H.open('src/clean.reml')
  vim.api.nvim_buf_set_lines(buf, 4, 5, false, { H.args.broken_line })
  H.wait_diagnostics(buf, 'diagnostics after the edit', H.nonempty)
  local published, pulls = H.published, H.completed['textDocument/diagnostic'] or 0
  vim.cmd('silent write')
  H.wait_for('diagnostics after the save', function()
    return H.published > published or (H.completed['textDocument/diagnostic'] or 0) > pulls
  end)
  return {
    client = H.client_info(client),
    diagnostics = H.wait_diagnostics(buf, 'diagnostics after the save', H.nonempty),
    file = vim.api.nvim_buf_get_name(buf),
    text = H.text(buf),
    modified = vim.bo[buf].modified,
  }
end)

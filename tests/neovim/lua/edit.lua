-- Edits through nvim_buf_set_lines update the diagnostics: break a clean file, then fix it.
-- Args: mode=pull|push (push: no pull capability, Neovim does not pull either).
package.path = vim.fs.dirname(_G.arg[0]) .. '/?.lua;' .. package.path
local H = require('harness')

H.run(function()
  if H.args.mode == 'push' then
    H.enable({ capabilities = H.push_capabilities(), on_init = H.no_pull_on_init })
  else
    H.enable()
  end
  local buf, client = H.open('src/clean.reml')
  -- the first report for the clean file: a completed pull, or a publish
  H.wait_for('the first diagnostics report', function()
    return (H.completed['textDocument/diagnostic'] or 0) > 0 or H.published > 0
  end)
  local initial = H.diagnostics(buf)
  local clean_line = vim.api.nvim_buf_get_lines(buf, 4, 5, false)[1]
  -- line 4 (0-based) `  let scaled = value * factor` loses its right operand
  vim.api.nvim_buf_set_lines(buf, 4, 5, false, { H.args.broken_line })
  local broken = H.wait_diagnostics(buf, 'diagnostics after breaking line 5', H.nonempty)
  vim.api.nvim_buf_set_lines(buf, 4, 5, false, { clean_line })
  local fixed = H.wait_diagnostics(buf, 'no diagnostics after the fix', H.empty)
  return {
    client = H.client_info(client),
    initial = initial,
    broken = broken,
    fixed = fixed,
    requests = H.completed,
    notified = H.notified,
    published = H.published,
    modified = vim.bo[buf].modified,
  }
end)

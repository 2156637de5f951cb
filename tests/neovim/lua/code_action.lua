-- The quick fix for a missing `)`: textDocument/codeAction at the diagnostic, then applied the
-- way a user does it (vim.lsp.buf.code_action with apply = true).
package.path = vim.fs.dirname(_G.arg[0]) .. '/?.lua;' .. package.path
local H = require('harness')

H.run(function()
  H.enable()
  local buf, client = H.open('src/parens.reml')
  local diags = H.wait_diagnostics(buf, 'the missing-paren diagnostic', H.nonempty)
  local lsp_diags = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(lsp_diags, d.user_data.lsp)
  end
  local first = lsp_diags[1]
  local actions = H.request(buf, client, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = first.range,
    context = { diagnostics = lsp_diags, only = { 'quickfix' } },
  }) or {}
  local title = H.args.title
  -- put the cursor on the diagnostic and apply the fix as `:lua vim.lsp.buf.code_action()` would
  vim.api.nvim_win_set_cursor(0, { diags[1].lnum + 1, diags[1].col })
  local before = vim.b[buf].changedtick
  vim.lsp.buf.code_action({
    apply = true,
    context = { only = { 'quickfix' }, diagnostics = lsp_diags },
    filter = function(action)
      return action.title == title
    end,
  })
  H.wait_for('the fix to change the buffer', function()
    return vim.b[buf].changedtick ~= before
  end)
  local after = H.wait_diagnostics(buf, 'no diagnostics after the fix', H.empty)
  return {
    client = H.client_info(client),
    diagnostics = diags,
    actions = actions,
    text = H.text(buf),
    after = after,
    modified = vim.bo[buf].modified,
  }
end)

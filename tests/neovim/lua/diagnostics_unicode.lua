-- A syntax error after CJK text and emoji on the same line: the diagnostics Neovim shows, the
-- LSP range they came from (in the negotiated offset encoding), and semantic tokens.
-- Args: encoding=default|utf-16 (utf-16: a client that only speaks UTF-16, like Neovim <= 0.10).
package.path = vim.fs.dirname(_G.arg[0]) .. '/?.lua;' .. package.path
local H = require('harness')

H.run(function()
  local extra = {}
  if H.args.encoding == 'utf-16' then
    local caps = vim.lsp.protocol.make_client_capabilities()
    caps.general.positionEncodings = { 'utf-16' }
    extra.capabilities = caps
  end
  H.enable(extra)
  local buf, client = H.open('src/greeting.reml')
  local diags = H.wait_diagnostics(buf, 'diagnostics of greeting.reml', H.nonempty)
  -- semantic tokens: `fn` on line 5 (0-based), column 0
  local tokens
  vim.wait(H.timeout, function()
    tokens = vim.lsp.semantic_tokens.get_at_pos(buf, 5, 0)
    return tokens ~= nil and #tokens > 0
  end, 10)
  local token_types = {}
  for _, t in ipairs(tokens or {}) do
    table.insert(token_types, t.type)
  end
  return {
    client = H.client_info(client),
    filetype = vim.bo[buf].filetype,
    diagnostics = diags,
    fn_token_types = token_types,
    requests = H.completed,
    published = H.published,
  }
end)

-- textDocument/completion after `let x = ` (buf_request_sync), in the documented setup.
-- Args: line=, character= (0-based, ASCII line so the encoding does not matter).
package.path = vim.fs.dirname(_G.arg[0]) .. '/?.lua;' .. package.path
local H = require('harness')

H.run(function()
  H.enable()
  local buf, client = H.open('src/complete.reml')
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = tonumber(H.args.line), character = tonumber(H.args.character) },
    context = { triggerKind = 1 },
  }
  local result = H.request(buf, client, 'textDocument/completion', params)
  local items = result and (result.items or result) or {}
  local labels, kinds = {}, {}
  for _, item in ipairs(items) do
    table.insert(labels, item.label)
    kinds[item.label] = item.kind
  end
  return {
    client = H.client_info(client),
    line = vim.api.nvim_buf_get_lines(buf, params.position.line, params.position.line + 1,
      false)[1],
    is_incomplete = type(result) == 'table' and result.isIncomplete or nil,
    labels = labels,
    kinds = kinds,
  }
end)

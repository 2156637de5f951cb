-- Shared helpers for the headless Neovim end-to-end tests.
--
-- A scenario script is run as `nvim --headless -u NONE -i NONE -l scenario.lua KEY=VALUE ...`.
-- It loads this module, starts the real `reml-run lsp --stdio`, drives Neovim, and ends with
-- `H.finish(result)`: the result is printed as one JSON line prefixed with `RESULT ` on stdout.
-- Any Lua error is reported the same way (`{"error": ...}`) so the Python side can show it.

local H = {}

--- KEY=VALUE arguments after the script name.
H.args = {}
for _, a in ipairs(_G.arg or {}) do
  local k, v = a:match('^([%w_]+)=(.*)$')
  if k then
    H.args[k] = v
  end
end

H.timeout = tonumber(H.args.timeout_ms or '') or 20000

local function emit(obj)
  io.stdout:write('RESULT ' .. vim.json.encode(obj) .. '\n')
  io.stdout:flush()
end

--- Stop every client (waiting a little for the server to exit), print the result, quit.
function H.finish(result)
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop()
  end
  vim.wait(3000, function()
    return #vim.lsp.get_clients() == 0
  end, 20)
  emit(result)
  vim.cmd('qall!')
end

--- Run `fn` and finish with its result, or with the error and a traceback.
function H.run(fn)
  local ok, res = xpcall(fn, debug.traceback)
  if ok then
    H.finish(res or {})
  else
    H.finish({ error = tostring(res) })
  end
end

--- `vim.wait` that raises with `what` on timeout.
function H.wait_for(what, pred, timeout)
  local ok = vim.wait(timeout or H.timeout, pred, 10)
  if not ok then
    error('timed out waiting for ' .. what, 2)
  end
end

--- The documented `.reml` filetype detection.
function H.filetype()
  vim.cmd('filetype on') -- on by default in a normal start; `-u NONE` leaves it off
  vim.filetype.add({ extension = { reml = 'reml' } })
end

--- The documented Neovim >= 0.11 setup (`vim.lsp.config` + `vim.lsp.enable`), with the
--- absolute path of `reml-run` and optional extra fields merged in (capabilities, settings …).
function H.enable(extra)
  H.filetype()
  local config = {
    cmd = { H.args.reml_run, 'lsp', '--stdio' },
    filetypes = { 'reml' },
    root_markers = { 'reml.toml', '.git' },
  }
  vim.lsp.config('reml', vim.tbl_extend('force', config, extra or {}))
  vim.lsp.enable('reml')
end

--- Client capabilities without pull diagnostics: the server then pushes
--- (textDocument/publishDiagnostics), including on didSave. Neovim deep-merges `capabilities`
--- into its defaults, so the key must be vim.NIL (JSON null), not nil.
function H.push_capabilities()
  return { textDocument = { diagnostic = vim.NIL } }
end

--- Keep Neovim from pulling even though the server offers diagnosticProvider.
function H.no_pull_on_init(client)
  client.server_capabilities.diagnosticProvider = nil
end

--- The pull-on-save autocmd of docs/neovim.md (Neovim 0.11 pulls on open and on change only:
--- it does not support workspace/diagnostic/refresh, so nothing asks again after a save).
function H.pull_on_save()
  vim.api.nvim_create_autocmd('BufWritePost', {
    pattern = '*.reml',
    callback = function(args)
      local params = { textDocument = vim.lsp.util.make_text_document_params(args.buf) }
      for _, client in ipairs(vim.lsp.get_clients({ bufnr = args.buf, name = 'reml' })) do
        if client:supports_method('textDocument/diagnostic') then
          client:request('textDocument/diagnostic', params, vim.lsp.diagnostic.on_diagnostic,
            args.buf)
        end
      end
    end,
  })
end

--- Edit `path` (relative to the workspace) and wait until the reml client is attached and
--- initialised. Returns buffer, client.
function H.open(rel)
  vim.cmd.edit(vim.fn.fnameescape(H.args.root .. '/' .. rel))
  local buf = vim.api.nvim_get_current_buf()
  local client
  H.wait_for('the reml client to attach to ' .. rel, function()
    client = vim.lsp.get_clients({ bufnr = buf, name = 'reml' })[1]
    return client ~= nil and client.initialized == true
  end)
  return buf, client
end

--- Record requests the client sends (method → count of completed ones), via LspRequest.
H.completed = {}
vim.api.nvim_create_autocmd('LspRequest', {
  callback = function(ev)
    local req = ev.data and ev.data.request
    if req and req.type == 'complete' then
      H.completed[req.method] = (H.completed[req.method] or 0) + 1
    end
  end,
})

--- Record notifications the client sends (method → count), via LspNotify.
H.notified = {}
vim.api.nvim_create_autocmd('LspNotify', {
  callback = function(ev)
    local m = ev.data and ev.data.method
    if m then
      H.notified[m] = (H.notified[m] or 0) + 1
    end
  end,
})

--- Count workspace/configuration requests Neovim has answered.
H.configured = 0
local configuration = vim.lsp.handlers['workspace/configuration']
vim.lsp.handlers['workspace/configuration'] = function(err, params, ctx, config)
  local result = configuration(err, params, ctx, config)
  H.configured = H.configured + 1
  return result
end

--- Count publishDiagnostics notifications the server sends.
H.published = 0
local publish = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  H.published = H.published + 1
  return publish(err, result, ctx, config)
end

--- Diagnostics of `buf` as plain data: Neovim's own (0-based line, byte column) and the LSP
--- diagnostic it came from (range in the client's offset encoding, code, data).
function H.diagnostics(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local l = (d.user_data or {}).lsp or {}
    table.insert(out, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      message = d.message,
      severity = d.severity,
      code = d.code,
      source = d.source,
      namespace = d.namespace,
      range = l.range,
      data = l.data,
    })
  end
  table.sort(out, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  return out
end

--- Wait until `pred(diagnostics)` holds for the diagnostics of `buf`; returns them.
function H.wait_diagnostics(buf, what, pred, timeout)
  local last
  local ok = vim.wait(timeout or H.timeout, function()
    last = H.diagnostics(buf)
    return pred(last)
  end, 10)
  if not ok then
    error('timed out waiting for ' .. what .. '; last diagnostics: ' .. vim.json.encode(last), 2)
  end
  return last
end

function H.nonempty(ds)
  return #ds > 0
end

function H.empty(ds)
  return #ds == 0
end

--- The buffer's text as the server sees it (lines joined with "\n", final newline included).
function H.text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n') .. '\n'
end

--- `buf_request_sync` for one client; returns its result (errors raise).
function H.request(buf, client, method, params)
  local responses, err = vim.lsp.buf_request_sync(buf, method, params, H.timeout)
  if not responses then
    error(method .. ' failed: ' .. tostring(err), 2)
  end
  local r = responses[client.id]
  if r == nil then
    error(method .. ': no response from the reml client', 2)
  end
  if r.err then
    error(method .. ' error: ' .. vim.inspect(r.err), 2)
  end
  return r.result
end

function H.client_info(client)
  return {
    name = client.name,
    root_dir = client.root_dir,
    offset_encoding = client.offset_encoding,
    pull = client.server_capabilities.diagnosticProvider ~= nil,
    semantic_tokens = client.server_capabilities.semanticTokensProvider ~= nil,
    nvim = tostring(vim.version()),
  }
end

return H

-- The Neovim 0.8–0.10 setup of docs/neovim.md: vim.lsp.start in a FileType autocmd, root found
-- with vim.fs.find (no vim.lsp.config / vim.lsp.enable / vim.fs.root there).
package.path = vim.fs.dirname(_G.arg[0]) .. '/?.lua;' .. package.path
local H = require('harness')
local reml_run = H.args.reml_run

H.run(function()
  vim.cmd('filetype on')
  -- ---- as in docs/neovim.md (with the absolute path of reml-run) ----
  vim.filetype.add({ extension = { reml = 'reml' } })
  vim.api.nvim_create_autocmd('FileType', {
    pattern = 'reml',
    callback = function(args)
      local marker = vim.fs.find({ 'reml.toml', '.git' }, {
        upward = true,
        path = vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf)),
      })[1]
      vim.lsp.start({
        name = 'reml',
        cmd = { reml_run, 'lsp', '--stdio' },
        root_dir = marker and vim.fs.dirname(marker) or nil,
      })
    end,
  })
  -- ------------------------------------------------------------------
  local buf, client = H.open('src/greeting.reml')
  return {
    client = H.client_info(client),
    diagnostics = H.wait_diagnostics(buf, 'diagnostics of greeting.reml', H.nonempty),
  }
end)

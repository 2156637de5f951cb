-- `:silent write` and diagnostics on save.
-- Args:
--   mode=pull: Neovim 0.11 pulls (the server offers diagnosticProvider); with snippet=1 the
--     pull-on-save autocmd of docs/neovim.md asks again after the write.
--   mode=push: no pull capability; the server republishes on didSave. With route=init_options
--     or route=settings, a 60 s debounce and the ja-JP locale are passed that way: edits are then
--     not published until the save.
package.path = vim.fs.dirname(_G.arg[0]) .. '/?.lua;' .. package.path
local H = require('harness')

local reml = {
  backpressure = { debounceMs = 60000, maxLagMs = 60000 },
  language = { locale = 'ja-JP' },
}

H.run(function()
  local result = {}
  if H.args.mode == 'push' then
    local extra = { capabilities = H.push_capabilities(), on_init = H.no_pull_on_init }
    if H.args.route == 'init_options' then
      extra.init_options = { settings = reml }
    elseif H.args.route == 'settings' then
      extra.settings = { reml = reml }
    end
    H.enable(extra)
  else
    H.enable()
    if H.args.snippet == '1' then
      H.pull_on_save()
    end
  end

  local debounced = H.args.route == 'init_options' or H.args.route == 'settings'
  local buf, client = H.open(debounced and 'src/clean.reml' or 'src/greeting.reml')
  result.client = H.client_info(client)

  if debounced then
    -- the server asks for its settings after `initialized` (with either route)
    H.wait_for('workspace/configuration', function()
      return H.configured > 0
    end)
    local published_at_edit = H.published
    -- … then the debounce holds back the publish after an edit
    vim.api.nvim_buf_set_lines(buf, 4, 5, false, { H.args.broken_line })
    H.wait_for('the didChange notification', function()
      return (H.notified['textDocument/didChange'] or 0) > 0
    end)
    vim.wait(tonumber(H.args.quiet_ms or '500'))
    result.before_save = {
      published = H.published,
      published_since_edit = H.published - published_at_edit,
      diagnostics = H.diagnostics(buf),
    }
  else
    result.before_save = {
      diagnostics = H.wait_diagnostics(buf, 'diagnostics before the save', H.nonempty),
      published = H.published,
      pulls = H.completed['textDocument/diagnostic'] or 0,
    }
  end

  local published, pulls = H.published, H.completed['textDocument/diagnostic'] or 0
  vim.cmd('silent write')
  H.wait_for('the didSave notification', function()
    return (H.notified['textDocument/didSave'] or 0) > 0
  end)
  if H.args.mode == 'push' then
    H.wait_for('a publish after the save', function()
      return H.published > published
    end)
  elseif H.args.snippet == '1' then
    H.wait_for('a pull after the save', function()
      return (H.completed['textDocument/diagnostic'] or 0) > pulls
    end)
  else
    -- what Neovim does by itself after a save (reported, not required)
    vim.wait(tonumber(H.args.quiet_ms or '500'))
  end
  result.after_save = {
    diagnostics = H.wait_diagnostics(buf, 'diagnostics after the save', H.nonempty),
    published = H.published,
    pulls = H.completed['textDocument/diagnostic'] or 0,
    pulls_before = pulls,
    modified = vim.bo[buf].modified,
  }
  result.notified = H.notified
  return result
end)

-- A headless Neovim session against `tickc lsp` (driven by tests/tickc_lsp.rs).
-- Works with Neovim 0.7 (Debian 12's): start_client + buf_attach_client.
-- Writes what the editor saw, one fact per line, to $OUT_FILE, then quits.
local out = {}
local function emit(s) table.insert(out, (s:gsub("\n", "\\n"))) end
local function finish()
  vim.fn.writefile(out, os.getenv("OUT_FILE"))
  vim.cmd("qa!")
end

vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("TICK_FILE")))
local id = vim.lsp.start_client({ name = "tickc", cmd = { os.getenv("TICKC"), "lsp" } })
if not id then emit("error: the client did not start"); finish() end
vim.lsp.buf_attach_client(0, id)

if not vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 20) then
  emit("error: no diagnostics")
  finish()
end
for _, d in ipairs(vim.diagnostic.get(0)) do
  emit(string.format("diagnostic %d:%d-%d:%d %s %s", d.lnum, d.col, d.end_lnum, d.end_col,
    tostring(d.code), d.message))
end

local uri = vim.uri_from_bufnr(0)
local function request(method, params)
  local res = vim.lsp.buf_request_sync(0, method, params, 10000)
  local r = res and res[id]
  if not r then emit("error: no answer to " .. method); finish() end
  return r.result
end
local function at(line, character)
  return { textDocument = { uri = uri }, position = { line = line, character = character } }
end

local hover = request("textDocument/hover", at(2, 4))
emit("hover " .. hover.contents.value)

local items = request("textDocument/completion", at(4, 3))
local labels = {}
for _, it in ipairs(items) do table.insert(labels, it.label) end
emit("completion after | " .. #labels .. " items, first " .. labels[1])

local client = vim.lsp.get_client_by_id(id)
local params = at(5, 30)
params.newName = "threshold"
vim.lsp.util.apply_workspace_edit(request("textDocument/rename", params), client.offset_encoding)

local edits = request("textDocument/formatting",
  { textDocument = { uri = uri }, options = { tabSize = 4, insertSpaces = true } })
vim.lsp.util.apply_text_edits(edits, 0, client.offset_encoding)
for i, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
  emit(string.format("buffer %d %s", i, line))
end
finish()

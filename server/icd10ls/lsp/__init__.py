"""The language server: LSP handlers (`server`) over a language-service facade (`service`)."""

# The code-action kind of "fix all": advertised by the server, produced by the service.
FIX_ALL_KIND = "source.fixAll.icd10ls"

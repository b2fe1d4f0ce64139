"""The language server: LSP handlers (`server`) over a language-service facade (`service`)."""

# The code-action kind of "fix all": advertised by the server, produced by the service.
FIX_ALL_KIND = "source.fixAll.icd10ls"
DRG_COMMAND = "icd10ls.server.drg"  # the MS-DRG code lens's command: the DRG's details

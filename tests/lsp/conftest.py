"""A real icd10ls server over JSON-RPC, driven like VS Code drives it."""

from __future__ import annotations

import os
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pygls.protocol import default_converter


def _record_diagnostics(client: LanguageClient, params: types.PublishDiagnosticsParams):
    client.diagnostics[params.uri] = params.diagnostics
    client.published_versions[params.uri] = params.version


def _answer_message_request(client: LanguageClient, params: types.ShowMessageRequestParams):
    """Record the question; answer with the action the test chose (None: the coder closed it)."""
    client.message_requests.append(params)
    wanted = client.message_request_answer
    return next((a for a in params.actions or [] if a.title == wanted), None)


def _answer_refresh(client: LanguageClient, params: None) -> None:
    """Nothing to redraw in a test client; VS Code asks for the code lenses again."""


def _client_factory() -> LanguageClient:
    """The standard test client, also remembering which version each publication was for."""
    client = LanguageClient(converter_factory=default_converter)
    client.published_versions = {}
    client.message_requests = []
    client.message_request_answer = None
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record_diagnostics
    features[types.WINDOW_SHOW_MESSAGE_REQUEST] = _answer_message_request
    # VS Code answers code lens refreshes (sent after a settings change); so does this client.
    features.setdefault(types.WORKSPACE_CODE_LENS_REFRESH, _answer_refresh)
    register_lsp_features(client, features)
    return client


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "icd10ls", "serve"],
                            server_env=dict(os.environ), client_factory=_client_factory)


def vscode_capabilities(pull: bool = False) -> types.ClientCapabilities:
    capabilities = client_capabilities("visual_studio_code")
    if pull:
        capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities(
            dynamic_registration=False, related_document_support=False)
    return capabilities


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    lsp_client.set_configuration({"rules": {}}, section="icd10ls")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=vscode_capabilities(), initialization_options={"inlayHints": {"enabled": True}}))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def pull_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=vscode_capabilities(pull=True)))
    yield
    await lsp_client.shutdown_session()

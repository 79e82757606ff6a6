//! The message loop: initialize, then documents kept in memory (full sync),
//! diagnostics published on every open and change, requests answered from
//! the current text. Exits on `exit` after `shutdown`.

use super::position::LineIndex;
use super::{completion, definition, diagnostics, formatting, hover, symbols};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use std::collections::HashMap;

/// Why the server stopped abnormally.
#[derive(Debug)]
pub enum ServerError {
    Protocol(lsp_server::ProtocolError),
    Io(std::io::Error),
    Json(serde_json::Error),
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Protocol(e) => write!(f, "protocol error: {e}"),
            ServerError::Io(e) => write!(f, "I/O error: {e}"),
            ServerError::Json(e) => write!(f, "bad JSON: {e}"),
        }
    }
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::FULL,
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec!["|".into(), ".".into(), "\"".into()]),
            ..Default::default()
        }),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// `tickc lsp`: serves on stdin/stdout until the client says `exit`.
pub fn run() -> u8 {
    match serve() {
        Ok(()) => super::super::EXIT_OK,
        Err(e) => {
            eprintln!("tickc lsp: {e}");
            super::super::EXIT_USAGE
        }
    }
}

fn serve() -> Result<(), ServerError> {
    let (conn, io) = Connection::stdio();
    let caps = serde_json::to_value(capabilities()).map_err(ServerError::Json)?;
    conn.initialize(caps).map_err(ServerError::Protocol)?;
    let mut server = Server {
        conn: &conn,
        docs: HashMap::new(),
    };
    server.main_loop()?;
    drop(conn);
    io.join().map_err(ServerError::Io)
}

struct Server<'c> {
    conn: &'c Connection,
    /// Open documents by URI: their full text.
    docs: HashMap<lsp::Uri, String>,
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<(), ServerError> {
        for msg in &self.conn.receiver {
            match msg {
                Message::Request(r) => {
                    if self
                        .conn
                        .handle_shutdown(&r)
                        .map_err(ServerError::Protocol)?
                    {
                        return Ok(());
                    }
                    let resp = self.request(r);
                    self.send(Message::Response(resp));
                }
                Message::Notification(n) => self.notification(n),
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    fn send(&self, msg: Message) {
        // A closed channel means the client is gone; the loop ends with it.
        let _ = self.conn.sender.send(msg);
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) {
                    let uri = p.text_document.uri;
                    self.docs.insert(uri.clone(), p.text_document.text);
                    self.publish(&uri, Some(p.text_document.version));
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                {
                    // Full sync: the last change holds the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        let uri = p.text_document.uri;
                        self.docs.insert(uri.clone(), change.text);
                        self.publish(&uri, Some(p.text_document.version));
                    }
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params) {
                    self.docs.remove(&p.text_document.uri);
                    // Clear the closed document's diagnostics.
                    self.notify_diagnostics(p.text_document.uri, Vec::new(), None);
                }
            }
            _ => {}
        }
    }

    fn publish(&self, uri: &lsp::Uri, version: Option<i32>) {
        let Some(text) = self.docs.get(uri) else {
            return;
        };
        let index = LineIndex::new(text);
        let diags = diagnostics::check(text)
            .iter()
            .map(|d| diagnostics::to_lsp(uri, &index, d))
            .collect();
        self.notify_diagnostics(uri.clone(), diags, version);
    }

    fn notify_diagnostics(
        &self,
        uri: lsp::Uri,
        diagnostics: Vec<lsp::Diagnostic>,
        version: Option<i32>,
    ) {
        let params = lsp::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Message::Notification(Notification::new(
            notif::PublishDiagnostics::METHOD.into(),
            params,
        )));
    }

    fn request(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        let result = match r.method.as_str() {
            req::HoverRequest::METHOD => self.with_params(r, Self::hover),
            req::Completion::METHOD => self.with_params(r, Self::completion),
            req::GotoDefinition::METHOD => self.with_params(r, Self::definition),
            req::References::METHOD => self.with_params(r, Self::references),
            req::Rename::METHOD => self.with_params(r, Self::rename),
            req::DocumentSymbolRequest::METHOD => self.with_params(r, Self::symbols),
            req::Formatting::METHOD => self.with_params(r, Self::formatting),
            req::CodeActionRequest::METHOD => self.with_params(r, Self::code_action),
            other => Err((
                ErrorCode::MethodNotFound,
                format!("unsupported request {other}"),
            )),
        };
        match result {
            Ok(v) => Response::new_ok(id, v),
            Err((code, msg)) => Response::new_err(id, code as i32, msg),
        }
    }

    fn with_params<P: serde::de::DeserializeOwned>(
        &self,
        r: Request,
        f: impl FnOnce(&Self, P) -> Reply,
    ) -> Reply {
        let p = serde_json::from_value(r.params)
            .map_err(|e| (ErrorCode::InvalidParams, format!("{}: {e}", r.method)))?;
        f(self, p)
    }

    fn text(&self, uri: &lsp::Uri) -> Result<&str, (ErrorCode, String)> {
        self.docs.get(uri).map(String::as_str).ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("document not open: {}", uri.as_str()),
            )
        })
    }

    /// The text and the byte offset of a position in it.
    fn at(
        &self,
        p: &lsp::TextDocumentPositionParams,
    ) -> Result<(&str, usize), (ErrorCode, String)> {
        let text = self.text(&p.text_document.uri)?;
        Ok((text, LineIndex::new(text).offset(p.position)))
    }

    fn hover(&self, p: lsp::HoverParams) -> Reply {
        let (text, offset) = self.at(&p.text_document_position_params)?;
        let hover = hover::hover(text, offset).map(|(md, span)| lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: md,
            }),
            range: Some(LineIndex::new(text).range(span)),
        });
        json(hover)
    }

    fn completion(&self, p: lsp::CompletionParams) -> Reply {
        let uri = &p.text_document_position.text_document.uri;
        let (text, offset) = self.at(&p.text_document_position)?;
        let others: Vec<&str> = self
            .docs
            .iter()
            .filter(|(u, _)| *u != uri)
            .map(|(_, t)| t.as_str())
            .collect();
        json(lsp::CompletionResponse::Array(completion::complete(
            text, offset, &others,
        )))
    }

    fn definition(&self, p: lsp::GotoDefinitionParams) -> Reply {
        let uri = &p.text_document_position_params.text_document.uri;
        let (text, offset) = self.at(&p.text_document_position_params)?;
        let loc = definition::var_at(text, offset).map(|occ| {
            lsp::Location::new(uri.clone(), LineIndex::new(text).range(occ.declaration))
        });
        json(loc.map(lsp::GotoDefinitionResponse::Scalar))
    }

    fn references(&self, p: lsp::ReferenceParams) -> Reply {
        let uri = &p.text_document_position.text_document.uri;
        let (text, offset) = self.at(&p.text_document_position)?;
        let locs = definition::var_at(text, offset).map(|occ| {
            let index = LineIndex::new(text);
            let decl = p.context.include_declaration.then_some(occ.declaration);
            decl.into_iter()
                .chain(occ.uses)
                .map(|s| lsp::Location::new(uri.clone(), index.range(s)))
                .collect::<Vec<_>>()
        });
        json(locs)
    }

    fn rename(&self, p: lsp::RenameParams) -> Reply {
        let uri = &p.text_document_position.text_document.uri;
        let (text, offset) = self.at(&p.text_document_position)?;
        let spans = definition::rename(text, offset, &p.new_name)
            .map_err(|e| (ErrorCode::RequestFailed, e.to_string()))?;
        let index = LineIndex::new(text);
        let edits = spans
            .into_iter()
            .map(|s| lsp::TextEdit::new(index.range(s), p.new_name.clone()))
            .collect();
        json(lsp::WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..Default::default()
        })
    }

    fn symbols(&self, p: lsp::DocumentSymbolParams) -> Reply {
        let text = self.text(&p.text_document.uri)?;
        json(lsp::DocumentSymbolResponse::Nested(
            symbols::document_symbols(text),
        ))
    }

    fn formatting(&self, p: lsp::DocumentFormattingParams) -> Reply {
        let text = self.text(&p.text_document.uri)?;
        let edits = formatting::format(text).ok_or_else(|| {
            (
                ErrorCode::RequestFailed,
                "the script has syntax errors; fix them to format it".to_string(),
            )
        })?;
        json(edits)
    }

    fn code_action(&self, p: lsp::CodeActionParams) -> Reply {
        let text = self.text(&p.text_document.uri)?;
        let index = LineIndex::new(text);
        let (start, end) = (index.offset(p.range.start), index.offset(p.range.end));
        json(diagnostics::code_actions(
            &p.text_document.uri,
            text,
            start,
            end,
        ))
    }
}

type Reply = Result<serde_json::Value, (ErrorCode, String)>;

fn json(v: impl serde::Serialize) -> Reply {
    serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

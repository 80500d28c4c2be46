//! Writing posts: which writer a deployment uses (an OpenAI-compatible model
//! when OPENAI_API_KEY is set, the built-in generator otherwise, so the
//! product works with no outside account), the generator itself, and the
//! sanitiser every draft passes before it is stored.

pub mod caption;
pub mod generator;
pub mod sanitize;

pub use caption::{CaptionBrief, CaptionDraft};
pub use generator::{Brief, Draft};
pub use sanitize::{plain_text, sanitize_html};

use crate::server::clients::llm::{LlmError, OpenAi};
use crate::server::config::OpenAiConfig;

#[derive(Clone, Debug)]
pub enum Writer {
    Model(OpenAi),
    BuiltIn,
}

impl Writer {
    pub fn from_config(config: &OpenAiConfig) -> Writer {
        match config.api_key {
            Some(_) => Writer::Model(OpenAi::new(config)),
            None => Writer::BuiltIn,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Writer::Model(model) => model.describe(),
            Writer::BuiltIn => "the built-in generator".into(),
        }
    }

    /// A social caption, plain text; the caller checks it like typed text.
    pub async fn caption(&self, brief: &CaptionBrief) -> Result<CaptionDraft, LlmError> {
        match self {
            Writer::BuiltIn => Ok(caption::write_caption(brief)),
            Writer::Model(model) => model.caption(brief).await,
        }
    }

    /// A draft, unsanitised: the caller sanitises it before storing.
    pub async fn write(&self, brief: &Brief) -> Result<Draft, LlmError> {
        match self {
            Writer::BuiltIn => Ok(generator::write(brief)),
            Writer::Model(model) => model.write(brief).await,
        }
    }
}

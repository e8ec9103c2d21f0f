//! Hiver response shapes for both surfaces, serialized straight from borrowed records. The
//! official API mixes string and number ids exactly as its spec shows (`IdStr` prints an id
//! as a JSON string); the tutorial surface shows `mb_…`/`usr_…` aliases.

use serde::{Serialize, Serializer};

use crate::platform::view::int_str;
pub(crate) use crate::platform::view::stamps::IsoMicros;

use super::state::{Attachment, Conversation, HiverState, Inbox, MessageRef, Note, Tag, User};

/// An id printed as a JSON string (`"101"`).
#[derive(Debug, Clone, Copy)]
pub struct IdStr(pub i64);

impl Serialize for IdStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        int_str(s, self.0)
    }
}

// ---- official ------------------------------------------------------------------------------

#[derive(Serialize)]
pub(crate) struct SourceUser<'a> {
    id: IdStr,
    email: &'a str,
}

#[derive(Serialize)]
pub struct InboxView<'a> {
    id: IdStr,
    display_name: &'a str,
    channel_type: &'a str,
    email: &'a str,
    inbox_type: &'a str,
    is_authorised: bool,
    source_user: SourceUser<'a>,
    created_at: i64,
    updated_at: i64,
}

#[derive(Serialize)]
pub struct UserView<'a> {
    id: IdStr,
    first_name: &'a str,
    last_name: &'a str,
    email: &'a str,
    phone_number: &'a Option<String>,
    is_joined: bool,
}

#[derive(Serialize)]
pub struct TagView<'a> {
    id: IdStr,
    name: &'a str,
    color_code: &'a str,
    #[serde(rename = "type")]
    tag_type: &'a str,
    created_at: i64,
}

#[derive(Serialize)]
pub struct TagCreatedView<'a> {
    tag_id: i64,
    name: &'a str,
    color_hexcode: &'a str,
    background_hexcode: &'a str,
    smid: i64,
    description: &'a Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Assignee {
    assignee_type: &'static str,
    assignee_id: i64,
}

/// A conversation: the list row has a numeric id and no `message_ids`; the single read has a
/// string id and `message_ids`.
#[derive(Serialize)]
pub struct ConversationView<'a, Id: Serialize> {
    id: Id,
    assignee: Option<Assignee>,
    status: &'static str,
    tag_ids: Vec<IdStr>,
    gmail_thread_id: &'a str,
    private_permalink: &'a str,
    public_permalink: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_ids: Option<&'a [MessageRef]>,
}

#[derive(Serialize)]
pub(crate) struct Author<'a> {
    id: IdStr,
    email: Option<&'a str>,
}

#[derive(Serialize)]
pub struct NoteView<'a> {
    id: IdStr,
    conversation_id: IdStr,
    content: &'a str,
    author: Author<'a>,
    mentions: &'a [String],
    parent_note_id: Option<IdStr>,
    attachments: &'a [Attachment],
    created_at: IsoMicros,
}

// ---- tutorial ------------------------------------------------------------------------------

#[derive(Serialize)]
pub struct MailboxView<'a> {
    id: &'a str,
    name: &'a str,
    email: &'a str,
    #[serde(rename = "type")]
    mailbox_type: &'static str,
}

#[derive(Serialize)]
pub struct AgentView<'a> {
    id: &'a str,
    name: String,
    email: &'a str,
}

#[derive(Serialize)]
pub struct TutorialTagView<'a> {
    id: IdStr,
    name: &'a str,
    color: &'a str,
}

#[derive(Serialize)]
pub(crate) struct TagRef<'a> {
    id: IdStr,
    name: &'a str,
}

/// `assignee` is left out when unassigned, which both of the tutorial's samples handle
/// (`conv.assignee?.name`, `conv.get("assignee", {})`).
#[derive(Serialize)]
pub struct TutorialConversationView<'a> {
    id: IdStr,
    subject: &'a str,
    mailbox_id: Option<&'a str>,
    status: &'static str,
    tags: Vec<TagRef<'a>>,
    created_at: IsoMicros,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee: Option<AgentView<'a>>,
}

#[derive(Serialize)]
pub struct TutorialNoteView<'a> {
    id: IdStr,
    conversation_id: IdStr,
    body: &'a str,
    #[serde(rename = "type")]
    note_type: &'a str,
    created_at: IsoMicros,
}

fn conversation<'a, Id: Serialize>(
    c: &'a Conversation,
    id: Id,
    messages: Option<&'a [MessageRef]>,
) -> ConversationView<'a, Id> {
    ConversationView {
        id,
        assignee: c.assignee_id.map(|a| Assignee {
            assignee_type: "user",
            assignee_id: a,
        }),
        status: c.status.official(),
        tag_ids: c.tag_ids.iter().map(|t| IdStr(*t)).collect(),
        gmail_thread_id: &c.gmail_thread_id,
        private_permalink: &c.private_permalink,
        public_permalink: &c.public_permalink,
        message_ids: messages,
    }
}

impl HiverState {
    pub fn inbox_view<'a>(&'a self, i: &'a Inbox) -> InboxView<'a> {
        let source = self.users.get(&i.source_user_id);
        InboxView {
            id: IdStr(i.id),
            display_name: &i.display_name,
            channel_type: &i.channel_type,
            email: &i.email,
            inbox_type: &i.inbox_type,
            is_authorised: i.is_authorised,
            source_user: SourceUser {
                id: IdStr(i.source_user_id),
                email: source.map_or(i.email.as_str(), |u| u.email.as_str()),
            },
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }

    pub fn user_view(u: &User) -> UserView<'_> {
        UserView {
            id: IdStr(u.id),
            first_name: &u.first_name,
            last_name: &u.last_name,
            email: &u.email,
            phone_number: &u.phone_number,
            is_joined: u.is_joined,
        }
    }

    pub fn tag_view(t: &Tag) -> TagView<'_> {
        TagView {
            id: IdStr(t.id),
            name: &t.name,
            color_code: &t.color,
            tag_type: &t.tag_type,
            created_at: t.created_at,
        }
    }

    pub fn tag_created_view(t: &Tag) -> TagCreatedView<'_> {
        TagCreatedView {
            tag_id: t.id,
            name: &t.name,
            color_hexcode: &t.color,
            background_hexcode: &t.background,
            smid: t.inbox_id,
            description: &t.description,
        }
    }

    /// The list row: numeric id, no `message_ids`.
    pub fn conversation_row(c: &Conversation) -> ConversationView<'_, i64> {
        conversation(c, c.id, None)
    }

    /// The single read: string id plus `message_ids`.
    pub fn conversation_single(c: &Conversation) -> ConversationView<'_, IdStr> {
        conversation(c, IdStr(c.id), Some(&c.messages))
    }

    pub fn note_view<'a>(&'a self, n: &'a Note) -> NoteView<'a> {
        NoteView {
            id: IdStr(n.id),
            conversation_id: IdStr(n.conversation_id),
            content: &n.content,
            author: Author {
                id: IdStr(n.author_id),
                email: self.users.get(&n.author_id).map(|u| u.email.as_str()),
            },
            mentions: &n.mentions,
            parent_note_id: n.parent_note_id.map(IdStr),
            attachments: &n.attachments,
            created_at: IsoMicros(n.created_at),
        }
    }

    pub fn mailbox_view(i: &Inbox) -> MailboxView<'_> {
        MailboxView {
            id: &i.alias,
            name: &i.display_name,
            email: &i.email,
            mailbox_type: "shared",
        }
    }

    pub fn agent_view(u: &User) -> AgentView<'_> {
        AgentView {
            id: &u.alias,
            name: [u.first_name.as_str(), u.last_name.as_str()].join(" "),
            email: &u.email,
        }
    }

    pub fn tutorial_tag(t: &Tag) -> TutorialTagView<'_> {
        TutorialTagView {
            id: IdStr(t.id),
            name: &t.name,
            color: &t.color,
        }
    }

    pub fn tutorial_conversation<'a>(
        &'a self,
        c: &'a Conversation,
    ) -> TutorialConversationView<'a> {
        TutorialConversationView {
            id: IdStr(c.id),
            subject: &c.subject,
            mailbox_id: self.inboxes.get(&c.inbox_id).map(|i| i.alias.as_str()),
            status: c.status.tutorial(),
            tags: c
                .tag_ids
                .iter()
                .filter_map(|t| self.tags.get(t))
                .map(|t| TagRef {
                    id: IdStr(t.id),
                    name: &t.name,
                })
                .collect(),
            created_at: IsoMicros(c.created_at * 1000),
            assignee: c
                .assignee_id
                .and_then(|a| self.users.get(&a))
                .map(Self::agent_view),
        }
    }

    pub fn tutorial_note(n: &Note) -> TutorialNoteView<'_> {
        TutorialNoteView {
            id: IdStr(n.id),
            conversation_id: IdStr(n.conversation_id),
            body: &n.content,
            note_type: &n.note_type,
            created_at: IsoMicros(n.created_at),
        }
    }
}

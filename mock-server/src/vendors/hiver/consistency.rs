//! The rules Hiver records keep, as the API's writes build them: a conversation lives in an
//! inbox that exists, its assignee is a member of that inbox, its tags are that inbox's tags;
//! notes belong to conversations and authors that exist. Checked over the seed (every
//! `--seed`) by a test and by the conversation writes in debug builds.

use super::state::{Conversation, HiverState};

impl HiverState {
    /// Every rule broken anywhere in the state, each naming its record.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .conversations
            .values()
            .flat_map(|c| self.conversation_problems(c))
            .collect();
        for n in self.notes.values() {
            if !self.conversations.contains(&n.conversation_id) {
                out.push(format!(
                    "note {}: conversation {} does not exist",
                    n.id, n.conversation_id
                ));
            }
            if !self.users.contains(&n.author_id) {
                out.push(format!(
                    "note {}: author {} does not exist",
                    n.id, n.author_id
                ));
            }
        }
        for t in self.tags.values() {
            if !self.inboxes.contains(&t.inbox_id) {
                out.push(format!("tag {}: inbox {} does not exist", t.id, t.inbox_id));
            }
        }
        out
    }

    /// The rules of one conversation.
    pub fn conversation_problems(&self, c: &Conversation) -> Vec<String> {
        let mut out = Vec::new();
        let Some(inbox) = self.inboxes.get(&c.inbox_id) else {
            return vec![format!(
                "conversation {}: inbox {} does not exist",
                c.id, c.inbox_id
            )];
        };
        if let Some(a) = c.assignee_id {
            if !inbox.member_ids.contains(&a) {
                out.push(format!(
                    "conversation {}: assignee {a} is not in inbox {}",
                    c.id, inbox.id
                ));
            }
        }
        for t in &c.tag_ids {
            if self
                .tags
                .get(t)
                .is_none_or(|tag| tag.inbox_id != c.inbox_id)
            {
                out.push(format!(
                    "conversation {}: tag {t} is not inbox {}'s",
                    c.id, inbox.id
                ));
            }
        }
        out
    }
}

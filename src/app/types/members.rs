//! A workspace's members and invitations, as the members page and the
//! invitation link show them.

use super::{InvitationId, MemberSummary, Role, UserId};
use serde::{Deserialize, Serialize};

/// An invitation that has not been accepted or revoked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationSummary {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    /// The inviter's name, or "" when their account is gone.
    pub invited_by: String,
    /// Unix seconds of the last mail.
    pub sent_at: i64,
    pub expires_at: i64,
    /// Past its expiry: it no longer works or counts, and can be resent.
    pub expired: bool,
    /// "Expires in 6 days", "Expires today" or "Expired".
    pub status: String,
}

/// How an invitation's expiry reads on the page, at `now`.
pub fn invitation_status(expires_at: i64, now: i64) -> String {
    match expires_at - now {
        left if left <= 0 => "Expired".into(),
        left if left <= 86_400 => "Expires within a day".into(),
        left => format!("Expires in {} days", (left + 86_399) / 86_400),
    }
}

/// The members page: one page of members, every pending invitation, and
/// the seats the plan sells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberList {
    pub members: Vec<MemberSummary>,
    pub invitations: Vec<InvitationSummary>,
    /// Members plus invitations still pending.
    pub seats_used: i64,
    pub seats_limit: i64,
    /// Members that match the filter, over every page.
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    /// The viewer: their own row offers "Leave" instead of "Remove".
    pub me: UserId,
    pub my_role: Role,
    /// The invitation form as it was refused, to fill it again.
    pub draft: super::FormDraft,
}

/// What an invitation link shows before it is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationView {
    pub workspace_name: String,
    pub invited_by: String,
    pub email: String,
    pub role: Role,
    /// Whether the invited address has an account: the page offers to sign
    /// in rather than to sign up.
    pub account_exists: bool,
    /// The signed-in user's address, when somebody is signed in.
    pub signed_in_as: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_counts_down_whole_days_then_expires() {
        let week = 7 * 86_400;
        assert_eq!(invitation_status(week, 0), "Expires in 7 days");
        assert_eq!(invitation_status(week, 1), "Expires in 7 days");
        assert_eq!(invitation_status(week, 6 * 86_400), "Expires within a day");
        assert_eq!(invitation_status(week, week - 1), "Expires within a day");
        assert_eq!(invitation_status(week, week), "Expired");
        assert_eq!(invitation_status(week, week + 5), "Expired");
    }
}

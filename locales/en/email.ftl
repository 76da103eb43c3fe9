email-signature = The Radix Team, FPS Interior — Directorate-General Security and Prevention
email-invitation-subject = Your invitation to the Radix platform
email-invitation-body =
    Hello { $name },

    { $inviter } invited you to the Radix platform of the FPS Interior, which supports municipalities in preventing violent radicalisation.

    Open the link below to choose your password and activate your account. It works once, for { $days } days.
email-password-reset-subject = Reset your Radix password
email-password-reset-body =
    Hello { $name },

    Someone asked to reset the password of your Radix account. If it was you, open the link below within { $minutes } minutes to choose a new password. If it was not you, ignore this email: nothing changes.
email-access-received-subject = We received your request for access to Radix
email-access-received-body =
    Hello { $name },

    Thank you for your request for an account on the Radix platform. The Radix Back-Office will review it and answer you by email.
email-access-declined-subject = Your request for access to Radix
email-access-declined-body =
    Hello { $name },

    The Radix Back-Office reviewed your request for an account and cannot accept it:

    { $reason }

    You can reply to this email with any questions.
email-declaration-accepted-subject = Your LIVC-R declaration for { $municipality } was accepted
email-declaration-accepted-body =
    Hello,

    The Radix Team checked and accepted your declaration about the LIVC-R of { $municipality }. The national map now shows it.

    Thank you for keeping the map up to date.
email-declaration-question-subject = A question about your LIVC-R declaration for { $municipality }
email-declaration-question-body =
    Hello,

    The Radix Team has a question about your declaration for { $municipality }:

    { $question }

    Please answer through the link below. Never include information about individuals.
email-declaration-rejected-subject = Your LIVC-R declaration for { $municipality }
email-declaration-rejected-body =
    Hello,

    The Radix Team did not accept your declaration for { $municipality }, for this reason:

    { $reason }

    You can send a new declaration at any time.
email-survey-subject = { $title }: the LIVC-R of { $municipality }
email-survey-body =
    Hello,

    The Radix Team of the FPS Interior keeps the national map of local integrated security cells (LIVC-R / CSIL-R). Could you tell us the situation in { $municipality }? The form takes a few minutes and is already filled in with what we know.

    The personal link below works without an account until { $closes }. Please do not forward it.
email-survey-reminder-subject = Reminder — { $title }: the LIVC-R of { $municipality }
email-survey-reminder-body =
    Hello,

    We have not received the situation of the LIVC-R in { $municipality } yet. The survey closes on { $closes }.

    This new personal link replaces the one in our earlier email.
email-support-confirm-subject = Confirm your request to the Radix Team
email-support-confirm-body =
    Hello { $name },

    You asked the Radix Team of the FPS Interior for: { $kind }. Open the link below to confirm your email address; your request then reaches the team.

    If you did not send this request, ignore this email: nothing happens.
email-support-received-subject = Your request { $reference } reached the Radix Team
email-support-received-body =
    Hello { $name },

    Thank you for your request ({ $kind }). Its reference is { $reference }. An advisor will answer you soon.

    Follow your request and write to us through the link below.
email-support-state-subject = Request { $reference }: { $state }
email-support-state-body =
    Hello { $name },

    Your request { $reference } is now: { $state }.
email-support-scheduled-subject = Request { $reference }: meeting planned on { $date }
email-support-scheduled-body =
    Hello { $name },

    The meeting for your request { $reference } is planned on { $date }. Your advisor will confirm the practical details.
email-support-ended-subject = Request { $reference }: { $state }
email-support-ended-body =
    Hello { $name },

    Your request { $reference } is now: { $state }.

    { $text }
email-support-message-subject = A message about your request { $reference }
email-support-message-body =
    Hello,

    The Radix Team wrote about your request { $reference }:

    { $text }
email-support-assigned-subject = Request { $reference } is assigned to you
email-support-assigned-body =
    Hello { $name },

    The support request { $reference } is now yours. Open it through the link below.
email-support-reply-subject = New message on request { $reference }
email-support-reply-body =
    Hello,

    The requester wrote a new message on request { $reference }. Open it through the link below.
email-support-invitation-subject = Invitation — { $when } ({ $reference })
email-support-invitation-body =
    Hello { $name },

    The Radix Team plans a meeting for request { $reference }:

    { $when }
    { $place }

    The attached calendar file adds it to your agenda. Never bring information about individuals followed by an LIVC-R.
email-support-action-due-subject = Follow-up action due: { $action }
email-support-action-due-body =
    Hello { $name },

    The follow-up action "{ $action }" was due on { $date } and is not done yet.
email-support-digest-subject = Your Radix week
email-support-digest-body =
    Hello { $name },

    Your open requests:
    { $requests }

    Your meetings in the coming week:
    { $meetings }

    Your overdue follow-up actions:
    { $actions }
email-support-meeting-changed-subject = Changed: { $when } ({ $reference })
email-support-meeting-changed-body =
    Hello { $name },

    The meeting for request { $reference } has been changed. It now takes place:

    { $when }
    { $place }

    The attached calendar file updates your agenda. Never bring information about individuals followed by an LIVC-R.
email-support-meeting-removed-subject = You are no longer expected: { $when } ({ $reference })
email-support-meeting-removed-body =
    Hello { $name },

    The meeting for request { $reference } has been changed and you are no longer among the Radix staff present:

    { $when }
    { $place }

    The attached calendar file removes it from your agenda.
email-support-meeting-cancelled-subject = Cancelled: { $when } ({ $reference })
email-support-meeting-cancelled-body =
    Hello { $name },

    The meeting for your request { $reference } is cancelled:

    { $when }
    { $place }

    Reason: { $reason }

    Your request stays open: the Radix Team will contact you about the next step. The attached calendar file removes the meeting from your agenda.
email-support-meeting-cancelled-staff-subject = Cancelled: { $when } ({ $reference })
email-support-meeting-cancelled-staff-body =
    Hello { $name },

    The meeting for request { $reference } is cancelled:

    { $when }
    { $place }

    Reason: { $reason }

    The attached calendar file removes it from your agenda.

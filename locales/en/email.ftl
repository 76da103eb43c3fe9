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

email-signature = Das Radix Team, FÖD Inneres — Generaldirektion Sicherheit und Prävention
email-invitation-subject = Ihre Einladung zur Radix-Plattform
email-invitation-body =
    Guten Tag { $name },

    { $inviter } hat Sie zur Radix-Plattform des FÖD Inneres eingeladen, die Gemeinden bei der Prävention gewaltsamer Radikalisierung unterstützt.

    Öffnen Sie den Link unten, um Ihr Passwort zu wählen und Ihr Konto zu aktivieren. Er funktioniert nur einmal und ist { $days } Tage gültig.
email-password-reset-subject = Ihr Radix-Passwort zurücksetzen
email-password-reset-body =
    Guten Tag { $name },

    Jemand hat beantragt, das Passwort Ihres Radix-Kontos zurückzusetzen. Wenn Sie das waren, öffnen Sie innerhalb von { $minutes } Minuten den Link unten, um ein neues Passwort zu wählen. Wenn nicht, ignorieren Sie diese E-Mail: Es ändert sich nichts.
email-access-received-subject = Wir haben Ihren Antrag auf Zugang zu Radix erhalten
email-access-received-body =
    Guten Tag { $name },

    vielen Dank für Ihren Antrag auf ein Konto auf der Radix-Plattform. Das Back-Office von Radix prüft ihn und antwortet Ihnen per E-Mail.
email-access-declined-subject = Ihr Antrag auf Zugang zu Radix
email-access-declined-body =
    Guten Tag { $name },

    das Back-Office von Radix hat Ihren Antrag auf ein Konto geprüft und kann ihm nicht stattgeben:

    { $reason }

    Bei Fragen können Sie auf diese E-Mail antworten.

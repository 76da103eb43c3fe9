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
email-declaration-accepted-subject = Ihre LIVC-R-Meldung für { $municipality } wurde angenommen
email-declaration-accepted-body =
    Guten Tag,

    das Radix Team hat Ihre Meldung zur LIVC-R von { $municipality } geprüft und angenommen. Die nationale Karte zeigt sie jetzt an.

    Vielen Dank, dass Sie helfen, die Karte aktuell zu halten.
email-declaration-question-subject = Eine Frage zu Ihrer LIVC-R-Meldung für { $municipality }
email-declaration-question-body =
    Guten Tag,

    das Radix Team hat eine Frage zu Ihrer Meldung für { $municipality }:

    { $question }

    Bitte antworten Sie über den Link unten. Geben Sie niemals Informationen über Einzelpersonen an.
email-declaration-rejected-subject = Ihre LIVC-R-Meldung für { $municipality }
email-declaration-rejected-body =
    Guten Tag,

    das Radix Team hat Ihre Meldung für { $municipality } aus folgendem Grund nicht angenommen:

    { $reason }

    Sie können jederzeit eine neue Meldung senden.
email-survey-subject = { $title }: die LIVC-R von { $municipality }
email-survey-body =
    Guten Tag,

    das Radix Team des FÖD Inneres führt die nationale Karte der lokalen integralen Sicherheitszellen in Sachen Radikalismus, Extremismus und Terrorismus (LIVC-R / CSIL-R). Könnten Sie uns mitteilen, wie die Situation in { $municipality } ist? Das Formular dauert nur wenige Minuten und ist bereits mit dem ausgefüllt, was wir wissen.

    Der persönliche Link unten funktioniert ohne Konto bis zum { $closes }. Bitte leiten Sie ihn nicht weiter.
email-survey-reminder-subject = Erinnerung — { $title }: die LIVC-R von { $municipality }
email-survey-reminder-body =
    Guten Tag,

    wir haben die Angaben zur LIVC-R in { $municipality } noch nicht erhalten. Die Umfrage endet am { $closes }.

    Dieser neue persönliche Link ersetzt den Link aus unserer vorherigen E-Mail.

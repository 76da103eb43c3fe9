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
email-support-confirm-subject = Bestätigen Sie Ihren Antrag an das Radix Team
email-support-confirm-body =
    Guten Tag { $name },

    Sie haben einen Antrag an das Radix Team des FÖD Inneres gerichtet: { $kind }. Öffnen Sie den Link unten, um Ihre E-Mail-Adresse zu bestätigen; danach erreicht Ihr Antrag das Team.

    Wenn Sie diesen Antrag nicht gesendet haben, ignorieren Sie diese E-Mail: Es geschieht nichts.
email-support-received-subject = Ihr Antrag { $reference } hat das Radix Team erreicht
email-support-received-body =
    Guten Tag { $name },

    vielen Dank für Ihren Antrag ({ $kind }). Seine Referenz lautet { $reference }. Ein Berater wird Ihnen bald antworten.

    Über den Link unten können Sie Ihren Antrag verfolgen und uns schreiben.
email-support-state-subject = Antrag { $reference }: { $state }
email-support-state-body =
    Guten Tag { $name },

    Ihr Antrag { $reference } hat jetzt den Stand: { $state }.
email-support-scheduled-subject = Antrag { $reference }: Treffen am { $date } geplant
email-support-scheduled-body =
    Guten Tag { $name },

    das Treffen zu Ihrem Antrag { $reference } ist für den { $date } geplant. Ihr Berater wird Ihnen die praktischen Einzelheiten bestätigen.
email-support-ended-subject = Antrag { $reference }: { $state }
email-support-ended-body =
    Guten Tag { $name },

    Ihr Antrag { $reference } hat jetzt den Stand: { $state }.

    { $text }
email-support-message-subject = Eine Nachricht zu Ihrem Antrag { $reference }
email-support-message-body =
    Guten Tag,

    das Radix Team hat Ihnen zu Ihrem Antrag { $reference } geschrieben:

    { $text }
email-support-assigned-subject = Antrag { $reference } wurde Ihnen zugewiesen
email-support-assigned-body =
    Guten Tag { $name },

    der Antrag auf Unterstützung { $reference } ist Ihnen jetzt zugewiesen. Öffnen Sie ihn über den Link unten.
email-support-reply-subject = Neue Nachricht zu Antrag { $reference }
email-support-reply-body =
    Guten Tag,

    der Antragsteller hat eine neue Nachricht zu Antrag { $reference } geschrieben. Öffnen Sie sie über den Link unten.
email-support-invitation-subject = Einladung — { $when } ({ $reference })
email-support-invitation-body =
    Guten Tag { $name },

    das Radix Team plant ein Treffen zu Antrag { $reference }:

    { $when }
    { $place }

    Mit der beigefügten Kalenderdatei können Sie das Treffen in Ihren Kalender übernehmen. Bringen Sie niemals Informationen über Einzelpersonen mit, die von einer LIVC-R begleitet werden.
email-support-action-due-subject = Folgemaßnahme fällig: { $action }
email-support-action-due-body =
    Guten Tag { $name },

    die Folgemaßnahme „{ $action }“ war am { $date } fällig und ist noch nicht erledigt.
email-support-digest-subject = Ihre Radix-Woche
email-support-digest-body =
    Guten Tag { $name },

    Ihre offenen Anträge:
    { $requests }

    Ihre Treffen in der kommenden Woche:
    { $meetings }

    Ihre überfälligen Folgemaßnahmen:
    { $actions }
email-support-meeting-changed-subject = Geändert: { $when } ({ $reference })
email-support-meeting-changed-body =
    Guten Tag { $name },

    das Treffen zu Antrag { $reference } wurde geändert. Es findet jetzt statt:

    { $when }
    { $place }

    Mit der beigefügten Kalenderdatei wird Ihr Kalender aktualisiert. Bringen Sie niemals Informationen über Einzelpersonen mit, die von einer LIVC-R begleitet werden.
email-support-meeting-removed-subject = Ihre Teilnahme entfällt: { $when } ({ $reference })
email-support-meeting-removed-body =
    Guten Tag { $name },

    das Treffen zu Antrag { $reference } wurde geändert, und Sie gehören nicht mehr zu den anwesenden Mitarbeitern von Radix:

    { $when }
    { $place }

    Mit der beigefügten Kalenderdatei wird das Treffen aus Ihrem Kalender entfernt.
email-support-meeting-cancelled-subject = Abgesagt: { $when } ({ $reference })
email-support-meeting-cancelled-body =
    Guten Tag { $name },

    das Treffen zu Ihrem Antrag { $reference } ist abgesagt:

    { $when }
    { $place }

    Grund: { $reason }

    Ihr Antrag bleibt offen: Das Radix Team meldet sich bei Ihnen wegen des weiteren Vorgehens. Mit der beigefügten Kalenderdatei wird das Treffen aus Ihrem Kalender entfernt.
email-support-meeting-cancelled-staff-subject = Abgesagt: { $when } ({ $reference })
email-support-meeting-cancelled-staff-body =
    Guten Tag { $name },

    das Treffen zu Antrag { $reference } ist abgesagt:

    { $when }
    { $place }

    Grund: { $reason }

    Mit der beigefügten Kalenderdatei wird das Treffen aus Ihrem Kalender entfernt.

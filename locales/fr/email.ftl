email-signature = La Radix Team, SPF Intérieur — Direction générale Sécurité et Prévention
email-invitation-subject = Votre invitation à la plateforme Radix
email-invitation-body =
    Bonjour { $name },

    { $inviter } vous invite à rejoindre la plateforme Radix du SPF Intérieur, qui soutient les communes dans la prévention de la radicalisation violente.

    Ouvrez le lien ci-dessous pour choisir votre mot de passe et activer votre compte. Il ne fonctionne qu’une fois et reste valable { $days } jours.
email-password-reset-subject = Réinitialiser votre mot de passe Radix
email-password-reset-body =
    Bonjour { $name },

    Quelqu’un a demandé la réinitialisation du mot de passe de votre compte Radix. Si c’est vous, ouvrez le lien ci-dessous dans les { $minutes } minutes pour choisir un nouveau mot de passe. Sinon, ignorez cet e-mail : rien ne change.
email-access-received-subject = Nous avons reçu votre demande d’accès à Radix
email-access-received-body =
    Bonjour { $name },

    Merci pour votre demande de compte sur la plateforme Radix. Le Back-Office de Radix va l’examiner et vous répondra par e-mail.
email-access-declined-subject = Votre demande d’accès à Radix
email-access-declined-body =
    Bonjour { $name },

    Le Back-Office de Radix a examiné votre demande de compte et ne peut pas l’accepter :

    { $reason }

    Pour toute question, vous pouvez répondre à cet e-mail.
email-declaration-accepted-subject = Votre déclaration de CSIL-R pour { $municipality } a été acceptée
email-declaration-accepted-body =
    Bonjour,

    La Radix Team a vérifié et accepté votre déclaration concernant la CSIL-R de { $municipality }. La carte nationale l’affiche désormais.

    Merci de nous aider à tenir la carte à jour.
email-declaration-question-subject = Une question sur votre déclaration de CSIL-R pour { $municipality }
email-declaration-question-body =
    Bonjour,

    La Radix Team a une question sur votre déclaration pour { $municipality } :

    { $question }

    Veuillez répondre via le lien ci-dessous. N’y mettez jamais d’informations sur des personnes.
email-declaration-rejected-subject = Votre déclaration de CSIL-R pour { $municipality }
email-declaration-rejected-body =
    Bonjour,

    La Radix Team n’a pas accepté votre déclaration pour { $municipality }, pour la raison suivante :

    { $reason }

    Vous pouvez envoyer une nouvelle déclaration à tout moment.
email-survey-subject = { $title } : la CSIL-R de { $municipality }
email-survey-body =
    Bonjour,

    La Radix Team du SPF Intérieur tient à jour la carte nationale des cellules de sécurité intégrale locales en matière de radicalisme, d’extrémisme et de terrorisme (CSIL-R / LIVC-R). Pourriez-vous nous indiquer la situation à { $municipality } ? Le formulaire ne prend que quelques minutes et il est déjà rempli avec ce que nous savons.

    Le lien personnel ci-dessous fonctionne sans compte jusqu’au { $closes }. Merci de ne pas le transférer.
email-survey-reminder-subject = Rappel — { $title } : la CSIL-R de { $municipality }
email-survey-reminder-body =
    Bonjour,

    Nous n’avons pas encore reçu la situation de la CSIL-R de { $municipality }. L’enquête se clôture le { $closes }.

    Ce nouveau lien personnel remplace celui de notre e-mail précédent.
email-support-confirm-subject = Confirmez votre demande à la Radix Team
email-support-confirm-body =
    Bonjour { $name },

    Vous avez adressé une demande à la Radix Team du SPF Intérieur : { $kind }. Ouvrez le lien ci-dessous pour confirmer votre adresse e-mail ; votre demande parviendra alors à l’équipe.

    Si vous n’avez pas envoyé cette demande, ignorez cet e-mail : rien ne se passera.
email-support-received-subject = Votre demande { $reference } est bien parvenue à la Radix Team
email-support-received-body =
    Bonjour { $name },

    Merci pour votre demande ({ $kind }). Sa référence est { $reference }. Un conseiller vous répondra prochainement.

    Suivez votre demande et écrivez-nous via le lien ci-dessous.
email-support-state-subject = Demande { $reference } : { $state }
email-support-state-body =
    Bonjour { $name },

    Nouvel état de votre demande { $reference } : { $state }.
email-support-scheduled-subject = Demande { $reference } : réunion prévue le { $date }
email-support-scheduled-body =
    Bonjour { $name },

    La réunion liée à votre demande { $reference } est prévue le { $date }. Votre conseiller vous confirmera les détails pratiques.
email-support-ended-subject = Demande { $reference } : { $state }
email-support-ended-body =
    Bonjour { $name },

    Nouvel état de votre demande { $reference } : { $state }.

    { $text }
email-support-message-subject = Un message concernant votre demande { $reference }
email-support-message-body =
    Bonjour,

    La Radix Team vous écrit au sujet de votre demande { $reference } :

    { $text }
email-support-assigned-subject = La demande { $reference } vous est attribuée
email-support-assigned-body =
    Bonjour { $name },

    La demande de soutien { $reference } vous est désormais attribuée. Ouvrez-la via le lien ci-dessous.
email-support-reply-subject = Nouveau message sur la demande { $reference }
email-support-reply-body =
    Bonjour,

    Le demandeur a écrit un nouveau message sur la demande { $reference }. Ouvrez-la via le lien ci-dessous.
email-support-invitation-subject = Invitation — { $when } ({ $reference })
email-support-invitation-body =
    Bonjour { $name },

    La Radix Team planifie une réunion pour la demande { $reference } :

    { $when }
    { $place }

    Le fichier de calendrier joint permet de l’ajouter à votre agenda. N’apportez jamais d’informations sur des personnes suivies par une CSIL-R.
email-support-action-due-subject = Échéance d’une action de suivi : { $action }
email-support-action-due-body =
    Bonjour { $name },

    L’action de suivi « { $action } » arrivait à échéance le { $date } et n’est pas encore terminée.
email-support-digest-subject = Votre semaine Radix
email-support-digest-body =
    Bonjour { $name },

    Vos demandes ouvertes :
    { $requests }

    Vos réunions de la semaine à venir :
    { $meetings }

    Vos actions de suivi en retard :
    { $actions }
email-support-meeting-changed-subject = Modifiée : { $when } ({ $reference })
email-support-meeting-changed-body =
    Bonjour { $name },

    La réunion pour la demande { $reference } a été modifiée. Elle a désormais lieu :

    { $when }
    { $place }

    Le fichier de calendrier joint met votre agenda à jour. N’apportez jamais d’informations sur des personnes suivies par une CSIL-R.
email-support-meeting-removed-subject = Votre présence n’est plus prévue : { $when } ({ $reference })
email-support-meeting-removed-body =
    Bonjour { $name },

    La réunion pour la demande { $reference } a été modifiée et vous ne faites plus partie des membres du personnel de Radix présents :

    { $when }
    { $place }

    Le fichier de calendrier joint la retire de votre agenda.
email-support-meeting-cancelled-subject = Annulée : { $when } ({ $reference })
email-support-meeting-cancelled-body =
    Bonjour { $name },

    La réunion pour votre demande { $reference } est annulée :

    { $when }
    { $place }

    Motif : { $reason }

    Votre demande reste ouverte : la Radix Team vous contactera pour la suite. Le fichier de calendrier joint retire la réunion de votre agenda.
email-support-meeting-cancelled-staff-subject = Annulée : { $when } ({ $reference })
email-support-meeting-cancelled-staff-body =
    Bonjour { $name },

    La réunion pour la demande { $reference } est annulée :

    { $when }
    { $place }

    Motif : { $reason }

    Le fichier de calendrier joint la retire de votre agenda.

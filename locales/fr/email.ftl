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

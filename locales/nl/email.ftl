email-signature = Het Radix Team, FOD Binnenlandse Zaken — Algemene Directie Veiligheid en Preventie
email-invitation-subject = Uw uitnodiging voor het Radix-platform
email-invitation-body =
    Beste { $name },

    { $inviter } heeft u uitgenodigd op het Radix-platform van de FOD Binnenlandse Zaken, dat gemeenten ondersteunt bij de preventie van gewelddadige radicalisering.

    Open de link hieronder om uw wachtwoord te kiezen en uw account te activeren. De link werkt één keer en blijft { $days } dagen geldig.
email-password-reset-subject = Uw Radix-wachtwoord opnieuw instellen
email-password-reset-body =
    Beste { $name },

    Iemand heeft gevraagd om het wachtwoord van uw Radix-account opnieuw in te stellen. Was u dat, open dan binnen { $minutes } minuten de link hieronder om een nieuw wachtwoord te kiezen. Was u het niet, negeer dan deze e-mail: er verandert niets.
email-access-received-subject = We hebben uw aanvraag voor toegang tot Radix ontvangen
email-access-received-body =
    Beste { $name },

    Dank u voor uw aanvraag voor een account op het Radix-platform. De Back-Office van Radix bekijkt ze en antwoordt u per e-mail.
email-access-declined-subject = Uw aanvraag voor toegang tot Radix
email-access-declined-body =
    Beste { $name },

    De Back-Office van Radix heeft uw aanvraag voor een account bekeken en kan ze niet aanvaarden:

    { $reason }

    Met vragen kunt u op deze e-mail antwoorden.

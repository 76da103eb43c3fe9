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
email-declaration-accepted-subject = Uw aangifte van de LIVC-R voor { $municipality } is aanvaard
email-declaration-accepted-body =
    Goedendag,

    Het Radix Team heeft uw aangifte over de LIVC-R van { $municipality } gecontroleerd en aanvaard. De nationale kaart toont ze nu.

    Bedankt om de kaart up-to-date te houden.
email-declaration-question-subject = Een vraag over uw aangifte van de LIVC-R voor { $municipality }
email-declaration-question-body =
    Goedendag,

    Het Radix Team heeft een vraag over uw aangifte voor { $municipality }:

    { $question }

    Antwoord via de link hieronder. Vermeld nooit informatie over personen.
email-declaration-rejected-subject = Uw aangifte van de LIVC-R voor { $municipality }
email-declaration-rejected-body =
    Goedendag,

    Het Radix Team heeft uw aangifte voor { $municipality } niet aanvaard, om deze reden:

    { $reason }

    U kunt op elk moment een nieuwe aangifte versturen.
email-survey-subject = { $title }: de LIVC-R van { $municipality }
email-survey-body =
    Goedendag,

    Het Radix Team van de FOD Binnenlandse Zaken houdt de nationale kaart bij van de lokale integrale veiligheidscellen inzake radicalisme, extremisme en terrorisme (LIVC-R / CSIL-R). Kunt u ons laten weten hoe de situatie is in { $municipality }? Het formulier vraagt maar enkele minuten en is al ingevuld met wat we weten.

    De persoonlijke link hieronder werkt zonder account tot { $closes }. Stuur hem niet door.
email-survey-reminder-subject = Herinnering — { $title }: de LIVC-R van { $municipality }
email-survey-reminder-body =
    Goedendag,

    We hebben de situatie van de LIVC-R in { $municipality } nog niet ontvangen. De bevraging sluit op { $closes }.

    Deze nieuwe persoonlijke link vervangt de link uit onze vorige e-mail.
email-support-confirm-subject = Bevestig uw aanvraag aan het Radix Team
email-support-confirm-body =
    Beste { $name },

    U hebt een aanvraag ingediend bij het Radix Team van de FOD Binnenlandse Zaken: { $kind }. Open de link hieronder om uw e-mailadres te bevestigen; daarna komt uw aanvraag bij het team terecht.

    Hebt u deze aanvraag niet verstuurd, negeer dan deze e-mail: er gebeurt niets.
email-support-received-subject = Uw aanvraag { $reference } is bij het Radix Team aangekomen
email-support-received-body =
    Beste { $name },

    Dank u voor uw aanvraag ({ $kind }). Het referentienummer is { $reference }. Een adviseur antwoordt u binnenkort.

    Via de link hieronder kunt u uw aanvraag opvolgen en ons schrijven.
email-support-state-subject = Aanvraag { $reference }: { $state }
email-support-state-body =
    Beste { $name },

    Uw aanvraag { $reference } heeft nu de status: { $state }.
email-support-scheduled-subject = Aanvraag { $reference }: vergadering gepland op { $date }
email-support-scheduled-body =
    Beste { $name },

    De vergadering voor uw aanvraag { $reference } is gepland op { $date }. Uw adviseur bevestigt de praktische afspraken.
email-support-ended-subject = Aanvraag { $reference }: { $state }
email-support-ended-body =
    Beste { $name },

    Uw aanvraag { $reference } heeft nu de status: { $state }.

    { $text }
email-support-message-subject = Een bericht over uw aanvraag { $reference }
email-support-message-body =
    Goedendag,

    Het Radix Team schreef over uw aanvraag { $reference }:

    { $text }
email-support-assigned-subject = Aanvraag { $reference } is aan u toegewezen
email-support-assigned-body =
    Beste { $name },

    De ondersteuningsaanvraag { $reference } is nu aan u toegewezen. Open ze via de link hieronder.
email-support-reply-subject = Nieuw bericht over aanvraag { $reference }
email-support-reply-body =
    Goedendag,

    De aanvrager heeft een nieuw bericht geschreven over aanvraag { $reference }. Open het via de link hieronder.
email-support-invitation-subject = Uitnodiging — { $when } ({ $reference })
email-support-invitation-body =
    Beste { $name },

    Het Radix Team plant een vergadering voor aanvraag { $reference }:

    { $when }
    { $place }

    Met het bijgevoegde agendabestand voegt u de vergadering toe aan uw agenda. Breng nooit informatie mee over personen die door een LIVC-R worden opgevolgd.
email-support-action-due-subject = Vervaldag van een opvolgingsactie: { $action }
email-support-action-due-body =
    Beste { $name },

    De opvolgingsactie "{ $action }" moest uiterlijk op { $date } klaar zijn en is nog niet afgerond.
email-support-digest-subject = Uw Radix-week
email-support-digest-body =
    Beste { $name },

    Uw openstaande aanvragen:
    { $requests }

    Uw vergaderingen in de komende week:
    { $meetings }

    Uw opvolgingsacties die te laat zijn:
    { $actions }
email-support-meeting-changed-subject = Gewijzigd: { $when } ({ $reference })
email-support-meeting-changed-body =
    Beste { $name },

    De vergadering voor aanvraag { $reference } is gewijzigd. Ze vindt nu plaats op:

    { $when }
    { $place }

    Met het bijgevoegde agendabestand werkt u uw agenda bij. Breng nooit informatie mee over personen die door een LIVC-R worden opgevolgd.
email-support-meeting-removed-subject = Uw aanwezigheid is niet meer nodig: { $when } ({ $reference })
email-support-meeting-removed-body =
    Beste { $name },

    De vergadering voor aanvraag { $reference } is gewijzigd en u behoort niet langer tot de aanwezige medewerkers van Radix:

    { $when }
    { $place }

    Met het bijgevoegde agendabestand verdwijnt de vergadering uit uw agenda.
email-support-meeting-cancelled-subject = Geannuleerd: { $when } ({ $reference })
email-support-meeting-cancelled-body =
    Beste { $name },

    De vergadering voor uw aanvraag { $reference } is geannuleerd:

    { $when }
    { $place }

    Reden: { $reason }

    Uw aanvraag blijft open: het Radix Team neemt contact met u op over de volgende stap. Met het bijgevoegde agendabestand verdwijnt de vergadering uit uw agenda.
email-support-meeting-cancelled-staff-subject = Geannuleerd: { $when } ({ $reference })
email-support-meeting-cancelled-staff-body =
    Beste { $name },

    De vergadering voor aanvraag { $reference } is geannuleerd:

    { $when }
    { $place }

    Reden: { $reason }

    Met het bijgevoegde agendabestand verdwijnt de vergadering uit uw agenda.

"""Legal texts the layout reproduces as they are (never edited by admins)."""

# CPCE R124-4: a collection agency's letter reproduces L111-8 "word for word" (Légifrance,
# version in force since 19 March 2014, loi n° 2014-344 art. 12).
CPCE_L111_8 = (
    "Article L111-8 du code des procédures civiles d'exécution : « A l'exception des droits "
    "proportionnels de recouvrement ou d'encaissement qui peuvent être mis partiellement à la "
    "charge des créanciers dans des conditions fixées par décret en Conseil d'Etat, les frais de "
    "l'exécution forcée sont à la charge du débiteur, sauf s'il est manifeste qu'ils n'étaient "
    "pas nécessaires au moment où ils ont été exposés. Les contestations sont tranchées par le "
    "juge. Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du "
    "créancier, sauf s'ils concernent un acte dont l'accomplissement est prescrit par la loi au "
    "créancier. Toute stipulation contraire est réputée non écrite, sauf disposition législative "
    "contraire. Cependant, le créancier qui justifie du caractère nécessaire des démarches "
    "entreprises pour recouvrer sa créance peut demander au juge de l'exécution de laisser tout "
    "ou partie des frais ainsi exposés à la charge du débiteur de mauvaise foi. »"
)

# C. com. L441-10 II and D441-5: the mention on a professional's documents.
INDEMNITY_MENTION = (
    "Indemnité forfaitaire pour frais de recouvrement de {amount} par facture payée en retard "
    "(C. com. L441-10 II et D441-5)."
)
PENALTY_MENTION = (
    "Pénalités de retard exigibles de plein droit dès le lendemain de l'échéance, sans rappel "
    "(C. com. L441-10 II), au taux {rate}."
)
# C. civ. 1231-6: legal interest runs from the formal notice.
INTEREST_MENTION = (
    "À défaut de paiement, des intérêts au taux légal courent sur les sommes dues à compter de "
    "la présente mise en demeure (C. civ. 1231-6)."
)
# C. com. L441-10 II: between professionals the late-payment penalties run instead of legal
# interest (the engine adds no legal interest for a professional, docs/legal.md §1).
PENALTIES_RUN_MENTION = (
    "À défaut de paiement, les pénalités de retard continuent de courir jusqu'au complet "
    "paiement, au taux indiqué ci-dessus (C. com. L441-10 II)."
)
# The remedies are only *envisaged* at this stage (docs/legal.md §4); no court word that would
# make the letter look like a judicial act.
REMEDIES_MENTION = (
    "Sans règlement ni accord à cette date, nous nous réservons la possibilité d'engager une "
    "procédure judiciaire, par exemple une requête en injonction de payer, un référé-provision "
    "ou une assignation en paiement. Aucune de ces démarches n'est engagée à ce jour."
)

"""Bank statements (camt.053/054, CFONB 120, MT940) and their matching to dossiers."""

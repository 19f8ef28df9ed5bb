"""Default wording of the letters and messages (``defaults``) and the fixed legal mentions
(``mentions``); rendering is ``relances.documents``, delivery ``relances.delivery``."""

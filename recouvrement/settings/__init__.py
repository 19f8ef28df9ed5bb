"""Settings: ``base`` reads the environment, ``local`` adds demo/test defaults, ``production``
requires every secret and turns on the deployment hardening."""

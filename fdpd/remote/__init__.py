"""An async client for any FAIR registry REST API: records, lists, uploads and downloads
(`client.py`), its errors (`errors.py`) and links (`links.py`); the remotes a user configured,
with their token files (`user_remotes.py`). Import the module you need: this package imports
nothing, so fdpd reads the remotes at start without loading the HTTP client."""

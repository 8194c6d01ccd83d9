"""Dossiers (hồ sơ): built in the dossier issue on top of the catalogue."""

"""The bundled offline demo story."""

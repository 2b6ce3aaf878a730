"""Finding, verifying and loading model weights."""

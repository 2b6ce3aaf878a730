"""Training pipeline for NoGAN colorization models (DeOldify's method, plain PyTorch).

Run `python -m training --help` for the subcommands. Every phase writes checkpoints and a CSV
log under its run directory; `export` turns a checkpoint into the folder format `nogan` loads.
"""

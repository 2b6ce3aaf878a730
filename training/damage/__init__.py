"""Damage segmentation training: procedural damage (`synth`), data, model set-up, the training
loop, evaluation (mask F1 with a 1-pixel tolerance) and export to `nogan.restore`'s folder format."""

"""Learned-fill training: procedural wide holes (`masks`), data, model set-up, the training loop,
evaluation against OpenCV's Telea and FSR (PSNR/SSIM inside the holes) and export to
`nogan.restore`'s folder format."""

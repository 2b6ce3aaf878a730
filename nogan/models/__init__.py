"""Generator architectures."""
from .encoders import ENCODERS, build_encoder
from .layers import apply_spectral_norm, fold_weight_parametrizations
from .unet import GeneratorConfig, UnetGenerator

__all__ = ["ENCODERS", "GeneratorConfig", "UnetGenerator", "apply_spectral_norm",
           "build_encoder", "fold_weight_parametrizations"]

"""Errors a user can cause. Each message says what went wrong and what to do about it."""


class NoganError(Exception):
    """Base class of the errors this package raises on purpose."""


class InvalidImageError(NoganError, ValueError):
    """The input is not an image we can read (corrupt, unsupported, not an image at all)."""


class ImageTooLargeError(NoganError, ValueError):
    """The input is larger than the configured limit (also guards against decompression bombs)."""


class WeightsUnavailableError(NoganError, FileNotFoundError):
    """Model weights could not be found locally nor downloaded."""


class WeightsMismatchError(NoganError, ValueError):
    """A checkpoint does not fit the architecture: lists the missing, unexpected, mis-shaped keys."""


class OutOfMemoryError(NoganError, MemoryError):
    """The device ran out of memory; a lower render factor needs less."""

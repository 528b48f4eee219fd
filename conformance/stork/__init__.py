"""stork: formal model and conformance kit for the Storport work-item API."""

__version__ = "0.1.0"

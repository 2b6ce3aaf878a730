"""The Gradio app's parts: handlers (what the buttons do), models (lazy loading), i18n (all strings)."""

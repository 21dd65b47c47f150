"""Registry: what happens to model versions once they exist (exports today; aliases,
promotion behind the ML tests, audit and webhooks on top of the model store)."""

from studio.registry._export import export_mlflow, export_onnx, unsupported_onnx_steps

__all__ = [
    "export_mlflow",
    "export_onnx",
    "unsupported_onnx_steps",
]

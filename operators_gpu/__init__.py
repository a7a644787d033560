"""GPU kernels (torch / CuPy) with CPU twins; nothing here imports CUDA at start-up.

`device` (probe, upload/download, DLPack), `colour` (yuv420p/NV12 <-> RGB), `composite` and
`composite_gpu` (overlay blending), `resize` (resize, crops), `classifier` and `onnx_torch` (card model
inference), `equity` and `equity_tables` (exact equity backends "torch"/"cuda"). See docs/gpu.md.
"""

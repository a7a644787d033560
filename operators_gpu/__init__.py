"""GPU kernels (CuPy / PyTorch) with CPU twins; nothing here imports CUDA at start-up."""

"""Media types shared by nodes: video and audio frames, encoded packets, YUV helpers."""

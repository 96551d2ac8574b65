"""nn~ plugins (Max/MSP and Pure Data).

- :mod:`~demiurge.plugin.base`: the nn~ protocol base class (methods, ``_params`` buffers,
  typed attributes with validating setters, labels);
- :mod:`~demiurge.plugin.vocoder`, :mod:`~demiurge.plugin.unagan`,
  :mod:`~demiurge.plugin.predictor`: one exported module per model kind;
- :mod:`~demiurge.plugin.exporter`: scripting, the embedded model card, the self-check;
- :mod:`~demiurge.plugin.from_runs`: ``export_run`` (trained run -> ``.ts`` + card);
- :mod:`~demiurge.plugin.host`: the nn~ host emulation behind ``demiurge check``;
- :mod:`~demiurge.plugin.other_torch` (+ the standalone script ``replay.py``): play exports in
  another torch (nn~ v1.6.0's 2.5.1) and compare.
"""

"""nn~ plugins: the protocol base class (:mod:`~demiurge.plugin.base`), the exporter with its
model card and self-check (:mod:`~demiurge.plugin.exporter`), the nn~ host emulation behind
``demiurge check`` (:mod:`~demiurge.plugin.host`), and one module per exported model kind."""

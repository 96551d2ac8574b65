"""``demiurge-live``: the real-time host (streaming descriptors -> forecast -> query ->
playback), controlled over OSC. ``engine`` is the pure block-in/block-out engine; ``params``
declares every control once; ``osc``, ``audio`` and ``host`` wrap it for a sound card;
``cli`` is the command."""

{
 "patcher": {
  "fileversion": 1,
  "appversion": {
   "major": 8,
   "minor": 5
  },
  "classnamespace": "box",
  "rect": [
   40,
   40,
   900,
   640
  ],
  "default_fontsize": 12.0,
  "boxes": [
   {
    "box": {
     "id": "obj-0",
     "maxclass": "comment",
     "patching_rect": [
      20,
      10,
      600,
      22
     ],
     "text": "Demiurge sequencer - the whole engine in one nn~ object: the input's descriptors, the predictor's forecast, the nearest DB frame played back. The DB is inside the file."
    }
   },
   {
    "box": {
     "id": "obj-1",
     "maxclass": "comment",
     "patching_rect": [
      20,
      35,
      600,
      22
     ],
     "text": "This model runs at 44100 Hz (the DB's rate). nn~ never tells a model the sample rate - set the audio sample rate to 44100 Hz. Model file: ../export/sequencer.ts"
    }
   },
   {
    "box": {
     "id": "obj-2",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      90,
      50,
      22
     ],
     "text": "adc~"
    }
   },
   {
    "box": {
     "id": "obj-3",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      160,
      273,
      22
     ],
     "text": "nn~ ../export/sequencer.ts forward 2048"
    }
   },
   {
    "box": {
     "id": "obj-4",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      230,
      50,
      22
     ],
     "text": "*~ 0.5"
    }
   },
   {
    "box": {
     "id": "obj-5",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      270,
      50,
      22
     ],
     "text": "dac~"
    }
   },
   {
    "box": {
     "id": "obj-6",
     "maxclass": "message",
     "patching_rect": [
      420,
      90,
      105,
      22
     ],
     "text": "set mode mosaic"
    }
   },
   {
    "box": {
     "id": "obj-7",
     "maxclass": "message",
     "patching_rect": [
      570,
      90,
      105,
      22
     ],
     "text": "set mode follow"
    }
   },
   {
    "box": {
     "id": "obj-8",
     "maxclass": "message",
     "patching_rect": [
      720,
      90,
      98,
      22
     ],
     "text": "set mode dream"
    }
   },
   {
    "box": {
     "id": "obj-9",
     "maxclass": "message",
     "patching_rect": [
      420,
      120,
      84,
      22
     ],
     "text": "set drywet 1"
    }
   },
   {
    "box": {
     "id": "obj-10",
     "maxclass": "message",
     "patching_rect": [
      570,
      120,
      98,
      22
     ],
     "text": "set drywet 0.5"
    }
   },
   {
    "box": {
     "id": "obj-11",
     "maxclass": "message",
     "patching_rect": [
      420,
      150,
      70,
      22
     ],
     "text": "set gain 0"
    }
   },
   {
    "box": {
     "id": "obj-12",
     "maxclass": "message",
     "patching_rect": [
      570,
      150,
      84,
      22
     ],
     "text": "set gain -12"
    }
   },
   {
    "box": {
     "id": "obj-13",
     "maxclass": "message",
     "patching_rect": [
      420,
      180,
      63,
      22
     ],
     "text": "set knn 1"
    }
   },
   {
    "box": {
     "id": "obj-14",
     "maxclass": "message",
     "patching_rect": [
      570,
      180,
      63,
      22
     ],
     "text": "set knn 8"
    }
   },
   {
    "box": {
     "id": "obj-15",
     "maxclass": "message",
     "patching_rect": [
      420,
      210,
      77,
      22
     ],
     "text": "set avoid 0"
    }
   },
   {
    "box": {
     "id": "obj-16",
     "maxclass": "message",
     "patching_rect": [
      570,
      210,
      77,
      22
     ],
     "text": "set avoid 4"
    }
   },
   {
    "box": {
     "id": "obj-17",
     "maxclass": "message",
     "patching_rect": [
      420,
      240,
      112,
      22
     ],
     "text": "set continuity 0"
    }
   },
   {
    "box": {
     "id": "obj-18",
     "maxclass": "message",
     "patching_rect": [
      570,
      240,
      126,
      22
     ],
     "text": "set continuity 0.9"
    }
   },
   {
    "box": {
     "id": "obj-19",
     "maxclass": "message",
     "patching_rect": [
      420,
      270,
      91,
      22
     ],
     "text": "set horizon 1"
    }
   },
   {
    "box": {
     "id": "obj-20",
     "maxclass": "message",
     "patching_rect": [
      570,
      270,
      91,
      22
     ],
     "text": "set horizon 8"
    }
   },
   {
    "box": {
     "id": "obj-21",
     "maxclass": "message",
     "patching_rect": [
      420,
      300,
      119,
      22
     ],
     "text": "set temperature 0"
    }
   },
   {
    "box": {
     "id": "obj-22",
     "maxclass": "message",
     "patching_rect": [
      570,
      300,
      133,
      22
     ],
     "text": "set temperature 0.5"
    }
   },
   {
    "box": {
     "id": "obj-23",
     "maxclass": "message",
     "patching_rect": [
      420,
      330,
      133,
      22
     ],
     "text": "set weights mfcc0=0"
    }
   },
   {
    "box": {
     "id": "obj-24",
     "maxclass": "message",
     "patching_rect": [
      570,
      330,
      112,
      22
     ],
     "text": "set weights none"
    }
   },
   {
    "box": {
     "id": "obj-25",
     "maxclass": "comment",
     "patching_rect": [
      20,
      380,
      600,
      22
     ],
     "text": "forward: audio in - Demiurge's answer out (mixed with the input by drywet), the same at every buffer size and the same as demiurge-live's render"
    }
   },
   {
    "box": {
     "id": "obj-26",
     "maxclass": "comment",
     "patching_rect": [
      20,
      405,
      600,
      22
     ],
     "text": "latency: export/sequencer.json (forward's latency, mosaic mode; follow mode answers horizon hops earlier). nn~ adds 2 x buffer - 64 samples when threaded."
    }
   },
   {
    "box": {
     "id": "obj-27",
     "maxclass": "comment",
     "patching_rect": [
      20,
      440,
      600,
      22
     ],
     "text": "mode (mosaic|follow|dream): mosaic: answer the input's own descriptors; follow: play the predictor's forecast of the input; dream: the predictor runs free on its own output"
    }
   },
   {
    "box": {
     "id": "obj-28",
     "maxclass": "comment",
     "patching_rect": [
      20,
      465,
      600,
      22
     ],
     "text": "drywet (float 0..1): mix of the input (0) and Demiurge's answer (1)"
    }
   },
   {
    "box": {
     "id": "obj-29",
     "maxclass": "comment",
     "patching_rect": [
      20,
      490,
      600,
      22
     ],
     "text": "gain (float -60..12 dB): output gain, applied with a ramp over one block"
    }
   },
   {
    "box": {
     "id": "obj-30",
     "maxclass": "comment",
     "patching_rect": [
      20,
      515,
      600,
      22
     ],
     "text": "knn (int 1..64): choose among the k nearest DB frames"
    }
   },
   {
    "box": {
     "id": "obj-31",
     "maxclass": "comment",
     "patching_rect": [
      20,
      540,
      600,
      22
     ],
     "text": "avoid (int 0..256 frames): never reuse a frame chosen in the last N steps (0 = off)"
    }
   },
   {
    "box": {
     "id": "obj-32",
     "maxclass": "comment",
     "patching_rect": [
      20,
      565,
      600,
      22
     ],
     "text": "continuity (float 0..1): 0..1: preference for continuing the previous match (the next frame of its file) when it is among the k nearest; its distance is scaled by 1 - continuity"
    }
   },
   {
    "box": {
     "id": "obj-33",
     "maxclass": "comment",
     "patching_rect": [
      20,
      590,
      600,
      22
     ],
     "text": "horizon (int 1..64 frames): follow mode: how many frames ahead of the input the played forecast lies (each frame takes one hop off the latency)"
    }
   },
   {
    "box": {
     "id": "obj-34",
     "maxclass": "comment",
     "patching_rect": [
      20,
      615,
      600,
      22
     ],
     "text": "temperature (float 0..4): noise added to forecasts (follow, dream), in standard deviations of the predictor's training descriptors"
    }
   },
   {
    "box": {
     "id": "obj-35",
     "maxclass": "comment",
     "patching_rect": [
      20,
      640,
      600,
      22
     ],
     "text": "weights (symbol NAME=W,...): per-descriptor weights NAME=W, comma separated, NAME a descriptor (mfcc0) or a range (mfcc13-38); each weight scales its descriptor's axis (0 ignores it, 2 counts its differences twice); unnamed descriptors keep weight 1; e.g. mfcc0=0 ignores the loudness, none resets"
    }
   },
   {
    "box": {
     "id": "obj-36",
     "maxclass": "comment",
     "patching_rect": [
      20,
      665,
      600,
      22
     ],
     "text": "a value out of range is refused (nn~ prints that the setter failed) and the old one kept"
    }
   }
  ],
  "lines": [
   {
    "patchline": {
     "source": [
      "obj-2",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      0
     ],
     "destination": [
      "obj-4",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-4",
      0
     ],
     "destination": [
      "obj-5",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-4",
      0
     ],
     "destination": [
      "obj-5",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-6",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-7",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-9",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-11",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-12",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-13",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-14",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-15",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-16",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-17",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-18",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-19",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-20",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-22",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-23",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-24",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   }
  ]
 }
}

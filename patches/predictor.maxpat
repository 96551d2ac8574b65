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
     "text": "Demiurge predictor - 39 MFCC descriptors of the input (descriptors) and their forecast (forward)."
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
     "text": "This model runs at 44100 Hz. nn~ never tells a model the sample rate - set the audio sample rate to 44100 Hz. Model file: ../export/predictor.ts"
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
      301,
      22
     ],
     "text": "nn~ ../export/predictor.ts descriptors 4096"
    }
   },
   {
    "box": {
     "id": "obj-4",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      260,
      273,
      22
     ],
     "text": "nn~ ../export/predictor.ts forward 4096"
    }
   },
   {
    "box": {
     "id": "obj-5",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      330,
      63,
      22
     ],
     "text": "metro 100"
    }
   },
   {
    "box": {
     "id": "obj-6",
     "maxclass": "message",
     "patching_rect": [
      20,
      300,
      50,
      22
     ],
     "text": "1"
    }
   },
   {
    "box": {
     "id": "obj-7",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      380,
      63,
      22
     ],
     "text": "snapshot~"
    }
   },
   {
    "box": {
     "id": "obj-8",
     "maxclass": "newobj",
     "patching_rect": [
      220,
      380,
      63,
      22
     ],
     "text": "snapshot~"
    }
   },
   {
    "box": {
     "id": "obj-9",
     "maxclass": "flonum",
     "patching_rect": [
      20,
      420,
      80,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-10",
     "maxclass": "flonum",
     "patching_rect": [
      220,
      420,
      80,
      22
     ]
    }
   },
   {
    "box": {
     "id": "obj-11",
     "maxclass": "comment",
     "patching_rect": [
      20,
      460,
      600,
      22
     ],
     "text": "left: loudness (mfcc0) now - right: forecast of mfcc0 `horizon` frames ahead"
    }
   },
   {
    "box": {
     "id": "obj-12",
     "maxclass": "message",
     "patching_rect": [
      420,
      200,
      91,
      22
     ],
     "text": "set horizon 1"
    }
   },
   {
    "box": {
     "id": "obj-13",
     "maxclass": "message",
     "patching_rect": [
      420,
      230,
      91,
      22
     ],
     "text": "set horizon 8"
    }
   },
   {
    "box": {
     "id": "obj-14",
     "maxclass": "message",
     "patching_rect": [
      570,
      200,
      119,
      22
     ],
     "text": "set temperature 0"
    }
   },
   {
    "box": {
     "id": "obj-15",
     "maxclass": "message",
     "patching_rect": [
      570,
      230,
      133,
      22
     ],
     "text": "set temperature 0.5"
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
      "obj-3",
      1
     ],
     "destination": [
      "obj-4",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      2
     ],
     "destination": [
      "obj-4",
      2
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      3
     ],
     "destination": [
      "obj-4",
      3
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      4
     ],
     "destination": [
      "obj-4",
      4
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      5
     ],
     "destination": [
      "obj-4",
      5
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      6
     ],
     "destination": [
      "obj-4",
      6
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      7
     ],
     "destination": [
      "obj-4",
      7
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      8
     ],
     "destination": [
      "obj-4",
      8
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      9
     ],
     "destination": [
      "obj-4",
      9
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      10
     ],
     "destination": [
      "obj-4",
      10
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      11
     ],
     "destination": [
      "obj-4",
      11
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      12
     ],
     "destination": [
      "obj-4",
      12
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      13
     ],
     "destination": [
      "obj-4",
      13
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      14
     ],
     "destination": [
      "obj-4",
      14
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      15
     ],
     "destination": [
      "obj-4",
      15
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      16
     ],
     "destination": [
      "obj-4",
      16
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      17
     ],
     "destination": [
      "obj-4",
      17
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      18
     ],
     "destination": [
      "obj-4",
      18
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      19
     ],
     "destination": [
      "obj-4",
      19
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      20
     ],
     "destination": [
      "obj-4",
      20
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      21
     ],
     "destination": [
      "obj-4",
      21
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      22
     ],
     "destination": [
      "obj-4",
      22
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      23
     ],
     "destination": [
      "obj-4",
      23
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      24
     ],
     "destination": [
      "obj-4",
      24
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      25
     ],
     "destination": [
      "obj-4",
      25
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      26
     ],
     "destination": [
      "obj-4",
      26
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      27
     ],
     "destination": [
      "obj-4",
      27
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      28
     ],
     "destination": [
      "obj-4",
      28
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      29
     ],
     "destination": [
      "obj-4",
      29
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      30
     ],
     "destination": [
      "obj-4",
      30
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      31
     ],
     "destination": [
      "obj-4",
      31
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      32
     ],
     "destination": [
      "obj-4",
      32
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      33
     ],
     "destination": [
      "obj-4",
      33
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      34
     ],
     "destination": [
      "obj-4",
      34
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      35
     ],
     "destination": [
      "obj-4",
      35
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      36
     ],
     "destination": [
      "obj-4",
      36
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      37
     ],
     "destination": [
      "obj-4",
      37
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      38
     ],
     "destination": [
      "obj-4",
      38
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
      "obj-5",
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
      "obj-7",
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
      "obj-8",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      0
     ],
     "destination": [
      "obj-7",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      0
     ],
     "destination": [
      "obj-8",
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
      "obj-9",
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
      "obj-10",
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
      "obj-4",
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
      "obj-4",
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
      "obj-4",
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
      "obj-4",
      0
     ]
    }
   }
  ]
 }
}

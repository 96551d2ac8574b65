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
     "text": "Demiurge vocoder - resynthesis of the input with the timbre of the training corpus."
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
     "text": "This model runs at 44100 Hz. nn~ never tells a model the sample rate - set the audio sample rate to 44100 Hz. Model file: ../export/vocoder.ts"
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
      259,
      22
     ],
     "text": "nn~ ../export/vocoder.ts forward 4096"
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
     "id": "obj-8",
     "maxclass": "comment",
     "patching_rect": [
      20,
      330,
      600,
      22
     ],
     "text": "The same through the mel: encode gives 80 mel channels (one value per 256 samples)"
    }
   },
   {
    "box": {
     "id": "obj-9",
     "maxclass": "comment",
     "patching_rect": [
      20,
      355,
      600,
      22
     ],
     "text": "and decode turns them back into sound. Change mel channels between them to play with the spectrum."
    }
   },
   {
    "box": {
     "id": "obj-10",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      400,
      252,
      22
     ],
     "text": "nn~ ../export/vocoder.ts encode 4096"
    }
   },
   {
    "box": {
     "id": "obj-11",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      470,
      252,
      22
     ],
     "text": "nn~ ../export/vocoder.ts decode 4096"
    }
   },
   {
    "box": {
     "id": "obj-12",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      530,
      50,
      22
     ],
     "text": "*~ 0.5"
    }
   },
   {
    "box": {
     "id": "obj-13",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      570,
      50,
      22
     ],
     "text": "dac~"
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
      "obj-2",
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
      "obj-10",
      0
     ],
     "destination": [
      "obj-11",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      1
     ],
     "destination": [
      "obj-11",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      2
     ],
     "destination": [
      "obj-11",
      2
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      3
     ],
     "destination": [
      "obj-11",
      3
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      4
     ],
     "destination": [
      "obj-11",
      4
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      5
     ],
     "destination": [
      "obj-11",
      5
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      6
     ],
     "destination": [
      "obj-11",
      6
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      7
     ],
     "destination": [
      "obj-11",
      7
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      8
     ],
     "destination": [
      "obj-11",
      8
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      9
     ],
     "destination": [
      "obj-11",
      9
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      10
     ],
     "destination": [
      "obj-11",
      10
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      11
     ],
     "destination": [
      "obj-11",
      11
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      12
     ],
     "destination": [
      "obj-11",
      12
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      13
     ],
     "destination": [
      "obj-11",
      13
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      14
     ],
     "destination": [
      "obj-11",
      14
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      15
     ],
     "destination": [
      "obj-11",
      15
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      16
     ],
     "destination": [
      "obj-11",
      16
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      17
     ],
     "destination": [
      "obj-11",
      17
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      18
     ],
     "destination": [
      "obj-11",
      18
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      19
     ],
     "destination": [
      "obj-11",
      19
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      20
     ],
     "destination": [
      "obj-11",
      20
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      21
     ],
     "destination": [
      "obj-11",
      21
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      22
     ],
     "destination": [
      "obj-11",
      22
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      23
     ],
     "destination": [
      "obj-11",
      23
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      24
     ],
     "destination": [
      "obj-11",
      24
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      25
     ],
     "destination": [
      "obj-11",
      25
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      26
     ],
     "destination": [
      "obj-11",
      26
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      27
     ],
     "destination": [
      "obj-11",
      27
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      28
     ],
     "destination": [
      "obj-11",
      28
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      29
     ],
     "destination": [
      "obj-11",
      29
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      30
     ],
     "destination": [
      "obj-11",
      30
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      31
     ],
     "destination": [
      "obj-11",
      31
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      32
     ],
     "destination": [
      "obj-11",
      32
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      33
     ],
     "destination": [
      "obj-11",
      33
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      34
     ],
     "destination": [
      "obj-11",
      34
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      35
     ],
     "destination": [
      "obj-11",
      35
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      36
     ],
     "destination": [
      "obj-11",
      36
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      37
     ],
     "destination": [
      "obj-11",
      37
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      38
     ],
     "destination": [
      "obj-11",
      38
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      39
     ],
     "destination": [
      "obj-11",
      39
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      40
     ],
     "destination": [
      "obj-11",
      40
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      41
     ],
     "destination": [
      "obj-11",
      41
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      42
     ],
     "destination": [
      "obj-11",
      42
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      43
     ],
     "destination": [
      "obj-11",
      43
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      44
     ],
     "destination": [
      "obj-11",
      44
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      45
     ],
     "destination": [
      "obj-11",
      45
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      46
     ],
     "destination": [
      "obj-11",
      46
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      47
     ],
     "destination": [
      "obj-11",
      47
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      48
     ],
     "destination": [
      "obj-11",
      48
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      49
     ],
     "destination": [
      "obj-11",
      49
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      50
     ],
     "destination": [
      "obj-11",
      50
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      51
     ],
     "destination": [
      "obj-11",
      51
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      52
     ],
     "destination": [
      "obj-11",
      52
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      53
     ],
     "destination": [
      "obj-11",
      53
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      54
     ],
     "destination": [
      "obj-11",
      54
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      55
     ],
     "destination": [
      "obj-11",
      55
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      56
     ],
     "destination": [
      "obj-11",
      56
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      57
     ],
     "destination": [
      "obj-11",
      57
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      58
     ],
     "destination": [
      "obj-11",
      58
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      59
     ],
     "destination": [
      "obj-11",
      59
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      60
     ],
     "destination": [
      "obj-11",
      60
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      61
     ],
     "destination": [
      "obj-11",
      61
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      62
     ],
     "destination": [
      "obj-11",
      62
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      63
     ],
     "destination": [
      "obj-11",
      63
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      64
     ],
     "destination": [
      "obj-11",
      64
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      65
     ],
     "destination": [
      "obj-11",
      65
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      66
     ],
     "destination": [
      "obj-11",
      66
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      67
     ],
     "destination": [
      "obj-11",
      67
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      68
     ],
     "destination": [
      "obj-11",
      68
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      69
     ],
     "destination": [
      "obj-11",
      69
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      70
     ],
     "destination": [
      "obj-11",
      70
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      71
     ],
     "destination": [
      "obj-11",
      71
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      72
     ],
     "destination": [
      "obj-11",
      72
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      73
     ],
     "destination": [
      "obj-11",
      73
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      74
     ],
     "destination": [
      "obj-11",
      74
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      75
     ],
     "destination": [
      "obj-11",
      75
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      76
     ],
     "destination": [
      "obj-11",
      76
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      77
     ],
     "destination": [
      "obj-11",
      77
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      78
     ],
     "destination": [
      "obj-11",
      78
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
      79
     ],
     "destination": [
      "obj-11",
      79
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
      "obj-12",
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
      "obj-13",
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
      "obj-13",
      1
     ]
    }
   }
  ]
 }
}

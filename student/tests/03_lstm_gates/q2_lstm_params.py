OK_FORMAT = True

test = {   'name': 'q2_lstm_params',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': ">>> assert nog_lstm_params(2, 3) == 36, f'nog_lstm_params(2, 3): expected 36 (three blocks of weights and biases), got {nog_lstm_params(2, 3)}'\n"
                                               ">>> assert isinstance(nog_over_lstm, int | float), f'nog_over_lstm: expected a number, got {nog_over_lstm!r}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}

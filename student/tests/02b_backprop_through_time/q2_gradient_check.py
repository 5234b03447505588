OK_FORMAT = True

test = {   'name': 'q2_gradient_check',
    'points': 3,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(gradient_check, 'rnn_backward', 'lstm_backward', 'rnn_backward_variant', 'GradientTape')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> import functools\n'
                                               '>>> _g = np.random.default_rng(3)\n'
                                               ">>> _p = {'x': _g.normal(size=(2, 4, 3)), 'h0': _g.normal(0, 0.5, size=(2, 3)), 'kernel': _g.normal(0, 0.6, size=(3, 3)), 'recurrent_kernel': "
                                               "_g.normal(0, 0.6, size=(3, 3)), 'bias': _g.normal(0, 0.3, size=3)}\n"
                                               '>>> _good = gradient_check(cells.rnn_forward, bptt.rnn_backward, _p)\n'
                                               ">>> assert isinstance(_good, float) and _good < 1e-06, f'a correct backward pass: expected a float below 1e-6, got {_good!r}'\n"
                                               '>>> _bad = gradient_check(cells.rnn_forward, functools.partial(bptt.rnn_backward_variant, transpose=False), _p)\n'
                                               ">>> assert _bad > 0.0001, f'a backward pass using W_h instead of W_hᵀ: expected a relative error above 1e-4, got {_bad!r}'\n",
                                       'hidden': False,
                                       'locked': False,
                                       'points': 0.5}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}

OK_FORMAT = True

test = {   'name': 'q3_step_gradient_norms',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(step_gradient_norms, 'state_input_gradient_norms', 'loss_input_gradient_norms')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': ">>> _x = np.ones((1, 5, 1), dtype='float32')\n"
                                               '>>> _got = step_gradient_norms(tiny_rnn(0.5), _x)\n'
                                               ">>> assert np.shape(_got) == (5,), f'expected shape (T,) = (5,), got {np.shape(_got)}'\n"
                                               ">>> assert np.allclose(_got, 0.5 ** np.arange(4, -1, -1), rtol=1e-05), f'tiny_rnn(0.5): expected 0.5**(T-1-t) = [0.0625, 0.125, 0.25, 0.5, 1], got "
                                               "{_got}'\n"
                                               '>>> _two = keras.layers.SimpleRNN(2, activation=None, use_bias=False)\n'
                                               '>>> _two.build((None, None, 1))\n'
                                               ">>> _two.set_weights([np.ones((1, 2), dtype='float32'), np.diag([0.5, -0.5]).astype('float32')])\n"
                                               ">>> _got = step_gradient_norms(_two, np.ones((1, 3, 1), dtype='float32'))\n"
                                               ">>> assert np.allclose(_got, [0.5, 0.0, 2.0], atol=1e-06), f'two units with w = 0.5 and -0.5: expected |0.5**k + (-0.5)**k| = [0.5, 0, 2], got "
                                               "{_got}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
